import MeasurementSupport
import Foundation
import LlamaEngine
import WriterAssistantLLM

/// BENCHMARKS.md: what was measured, on what, how, and against which targets.
struct Report {
    var threads: Int
    var modelPath: String
    var runs: Int
    var serverSettings: [String]
    var single: SingleRequestFigures
    var together: Sample
    var sequential: Sample
    var sequentialUncached: Sample
    var panelPromptTokens: Int
    var cold: Sample
    var warm: Sample
    var reused: Sample
    var peakResidentBytes: Int?
    var storyCache: StoryCacheFigures
    var memory: MemoryFigures
    var keyCache: KeyCacheFigures
    var quantization: QuantizationFigures
    var routing: RoutingFigures
    var chapters: ChapterFigures

    func markdown() -> String {
        let panelRatio = Sample.ratios(together.values, sequential.values)
        let uncachedRatio = Sample.ratios(together.values, sequentialUncached.values)
        let warmRatio = Sample.ratios(warm.values, cold.values)
        // The panel's time split into reading the story once and writing the four answers.
        let reading = cold.median
        let writtenInTurn = sequential.median - reading
        let writtenTogether = together.median - reading
        let batchGain = writtenInTurn / writtenTogether
        let writingBudget = 0.45 * sequential.median - reading
        let neededGain = writtenInTurn / writingBudget
        let needed =
            if writingBudget <= 0 {
                "Reaching 0.45 would need the whole panel done in less time than reading the story takes."
            } else if neededGain > 4 {
                String(format: "Reaching 0.45 would need them written together in %.1f s, %.1f× as fast as in turn, ", writingBudget, neededGain)
                    + "which no batching can give: four answers cannot be written more than four times as fast as one after another."
            } else {
                String(format: "Reaching 0.45 would need them written together in %.1f s, %.1f× as fast as in turn.", writingBudget, neededGain)
            }
        let rss = peakResidentBytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "n/a"

        return """
            # Benchmarks

            Measured by `make bench` (`swift build -c release`, then `.build/release/writer-assistant-bench`), \
            which starts the release server with `\(serverSettings.joined(separator: " "))` and talks to it over \
            loopback with the Swift client. Every figure is the median of \(runs) runs, with the range in brackets.

            - Date: \(ISO8601DateFormatter().string(from: Date()))
            - Machine: \(Machine.description)
            - Model: `\(URL(fileURLWithPath: modelPath).lastPathComponent)`, \(threads) threads
            - Answers are grammar-constrained JSON, greedy; each run uses a story no earlier run has seen.

            \(single.markdown())
            ## 2. A panel of four raters on one story (about \(panelPromptTokens) prompt tokens)

            | | seconds, median (range) |
            |---|---|
            | four sent at once, until all four results | \(together) |
            | the same four one after another, story cache kept between them | \(sequential) |
            | four one after another, each reading its story anew (no prefix reuse) | \(sequentialUncached) |
            | at once / one after another with cache | **\(panelRatio.formatted())** |
            | at once / one after another without reuse | **\(uncachedRatio.formatted())** (target ≤ 0.45) |

            Sent at once, one request reads the story and the others share its cells in the cache, then all \
            four decode in one batch, attending over the shared story together. One after another with the \
            cache, the second to fourth reuse the story kept from the request before, so that baseline already \
            has prefix reuse and differs from the panel only by batched decoding. The last baseline is a server \
            without prefix reuse (each rater's story differs but has the same length), as a single-queue engine \
            without a prefix cache would run them.

            Against the cached baseline, 0.45 is out of reach on 2 cores. Both runs read the story once \
            (about \(String(format: "%.1f", reading)) s, the cold first token of section 3) and differ only in \
            how the four answers are written: \(String(format: "%.1f", writtenInTurn)) s one after another, \
            \(String(format: "%.1f", writtenTogether)) s together, so writing them in one batch was \
            \(String(format: "%.2f", batchGain))× as fast. \(needed) A decode step is \
            compute-bound on 2 cores: a step that writes four answers took about \
            \(String(format: "%.1f", 4 / batchGain)) times as long as one that writes one.

            ## 3. Time to first token: second rater on an evaluated story vs a new story

            | | seconds, median (range) |
            |---|---|
            | new story (cold) | \(cold) |
            | second rater, same story (warm) | \(warm) |
            | prompt tokens reused by the second rater | \(reused.formatted("%.0f")) |
            | ratio | **\(warmRatio.formatted("%.3f"))** (target ≤ 0.1) |

            ## 4. Memory over the benchmark

            Peak resident memory of the server over sections 2–3: **\(rss)** (at the settings above, whose \
            --max-tokens sizes the cache pool).

            \(storyCache.markdown())
            \(memorySection())
            \(keyCacheSection())
            \(quantizationSection())
            \(routing.markdown())
            \(chapters.markdown())
            """
    }

    private static let defaultPool = LlamaEngine.Configuration.defaultPoolCells(
        contextSize: LlamaEngine.Configuration(modelPath: "").contextSize, parallel: LlamaEngine.Configuration(modelPath: "").parallel,
        longestAnswer: SamplingParameters.raterDefaults.maxTokens)

    private func memorySection() -> String {
        let figures = memory
        let queue = Sample(values: figures.panelQueueTimes)
        let cold = Sample.ratios(figures.coldDefaults, figures.coldPrevious)
        return """
            ## 6. Memory at the defaults

            A server at every default (`serve --model-path … --port …` and a story cache directory) serves \
            four raters at once on one story of \(figures.panelTokens) prompt tokens (a 4,000-token story \
            bible, cut to the context window); the previous pool is the same server with \
            `\(StoryCacheTrials.previousPool.joined(separator: " "))`, the settings before this change. \
            Peak resident memory is the kernel's high-water mark for the whole process, model included.

            | | defaults | previous pool | target |
            |---|---|---|---|
            | peak resident memory, MiB | **\(Sample(values: figures.defaultsPeak).formatted("%.0f"))** | \(Sample(values: figures.previousPeak).formatted("%.0f")) | ≤ 300 |
            | seconds each rater waited before the engine took it up (new requests join between steps; a step reading 256 prompt tokens takes about a second) | \(queue.formatted("%.2f")) | | served at once |
            | first token of a new 1,900-token story, seconds | \(Sample(values: figures.coldDefaults)) | \(Sample(values: figures.coldPrevious)) | ratio **\(cold.formatted())** |

            The pool is sized for what it serves: one whole context for the request that reads a story, and \
            for each further request its longest answer and \(LlamaEngine.Configuration.instructionAllowance) tokens \
            of its own instructions, since the raters of a panel share the story's cells \
            (\(Self.defaultPool) cells at the defaults, to the nearest multiple of the 256 llama.cpp allocates, \
            against 16,384). llama.cpp's grammar check is given the vocabulary \
            1,024 tokens at a time: over all of it at once it allocated about 20 MB at a go, and where the \
            allocator left that made the peak vary by 15 MiB. Keys are stored in 8 bits (section 7); values stay 16-bit, since llama.cpp \
            quantizes them only with flash attention, which is slower on CPUs. llama.cpp evaluates \
            \(LlamaEngine.Configuration(modelPath: "").microBatchSize) tokens at a time, so its scratch memory (which \
            grows with that times the pool) stays small.

            """
    }

    private func keyCacheSection() -> String {
        let figures = keyCache
        return """
            ## 7. 8-bit keys against 16-bit keys

            The same \(figures.prompts) prompts of about \(figures.promptTokens) tokens read by two engines in \
            the benchmark process, one with each key type, everything else equal.

            | | median (range) |
            |---|---|
            | largest difference of a first-token logit | \(Sample(values: figures.largestDifference).formatted("%.3f")) |
            | the same, over the spread of that prompt's logits | \(Sample(values: figures.relativeDifference).formatted("%.4f")) |
            | prompts whose likeliest first token is the same | \(figures.sameLikeliest) of \(figures.prompts) |
            | reading the prompt, 16-bit keys, seconds | \(Sample(values: figures.readF16)) |
            | reading the prompt, 8-bit keys, seconds | \(Sample(values: figures.readQ8)) |

            """
    }

    private func quantizationSection() -> String {
        let figures = quantization
        let base = figures.rows.first
        let rows = figures.rows.map { row in
            let speedup = base.map { Sample.ratios(row.readRate, $0.readRate).formatted() } ?? ""
            return "| \(row.format) | \(String(format: "%.1f", Double(row.fileBytes) / 1_048_576)) | \(Sample(values: row.readSeconds)) | "
                + "\(Sample(values: row.readRate).formatted("%.0f")) | \(speedup) | \(Sample(values: row.decodeRate).formatted("%.0f")) |"
        }
        return """
            ## 8. Weight formats: reading speed

            The default model file (Q4_1) against versions of it that llama.cpp's own quantizer writes \
            (`writer-assistant quantize`), each loaded by the server's engine in this process and reading \
            the same \(figures.promptTokens)-token prompts, the formats taking turns within each run. Their \
            answer quality is measured by `make eval` (QUALITY.md).

            | weights | MiB | reading the prompt, s | prompt tok/s | reading speed / Q4_1, per run | decode tok/s |
            |---|---|---|---|---|---|
            \(rows.joined(separator: "\n"))

            """
    }
}
