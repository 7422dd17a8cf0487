import FuzzSupport
import WriterAssistantFuzzing

@_cdecl("FuzzAnswer_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv) { bytes, count in
        guard let bytes else { return 0 }
        return fuzzAnswer(bytes, count)
    }
}
