import Testing
@testable import WriterAssistantHTTP

/// Query strings as browsers and forms write them.
@Suite struct FormQueryTests {
    @Test func plusIsASpaceAndEscapesAreBytes() {
        let query = FormQuery("q=red+door&rater=Pacing%20editor&sum=1%2B1&name=caf%C3%A9")
        #expect(query.get("q") == "red door")
        #expect(query.get("rater") == "Pacing editor")
        #expect(query.get("sum") == "1+1")
        #expect(query.get("name") == "café")
    }

    @Test func aMalformedEscapeIsKeptAsWrittenAndTheRestDecoded() {
        let query = FormQuery("q=caf%C3%A9+100%&r=%zz%4")
        #expect(query.get("q") == "café 100%")
        #expect(query.get("r") == "%zz%4")
        #expect(FormQuery("q=%FF").get("q") == "\u{FFFD}")
    }

    @Test func valuesKeepTheirEqualsSignsAndTheFirstOfARepeatedNameCounts() {
        let query = FormQuery("a=x=y&a=second&empty=&bare&&")
        #expect(query.get("a") == "x=y")
        #expect(query.get("empty") == "")
        #expect(query.get("bare") == "")
        #expect(query.get("missing") == nil)
    }

    @Test func flags() {
        let query = FormQuery("a=true&b=1&c=yes&d=on&e=0&f=false&g=TRUE")
        #expect(["a", "b", "c", "d", "g"].allSatisfy(query.isSet))
        #expect(!["e", "f", "h"].contains(where: query.isSet))
    }
}
