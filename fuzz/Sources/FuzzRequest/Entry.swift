import FuzzSupport
import WriterAssistantFuzzing

@_cdecl("FuzzRequest_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv) { bytes, count in
        guard let bytes else { return 0 }
        return fuzzRequest(bytes, count)
    }
}
