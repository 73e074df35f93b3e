import Foundation
import MediaCore
import Providers

/// `transcribe`: an audio or video file → probe → chunk (16 kHz mono FLAC at silences) →
/// transcribe (one item per chunk, each checkpointed so it is never sent again) → merge
/// (transcript, captions) → summarize (Gemini) → publish (manifest). Without a transcriber the
/// job probes and chunks, and its manifest lists the skipped steps and what would enable them.
struct TranscribeWorkflow: Workflow {
    let name = "transcribe"
    let services: WorkflowServices

    func steps(for input: JSON) throws -> [Step] {
        let options: TranscribeInput
        do { options = try input.decode(TranscribeInput.self) } catch {
            throw StepFailure(code: "bad_input", message: "transcribe input: \(error)", retryable: false)
        }
        let services = services
        var steps: [Step] = [
            .step("probe") { context in
                let folder = try services.scratchFolder(context.jobID, context.step)
                defer { try? FileManager.default.removeItem(atPath: folder) }
                var total: ProbeResult?
                for part in options.sources {  // every file must be usable before any is chunked
                    let path = try await services.fetchSource(key: part.sourceKey, name: part.name, into: folder)
                    let probe = try await Self.probe(path, name: part.name)
                    try? FileManager.default.removeItem(atPath: path)
                    if total == nil { total = probe } else { total!.duration += probe.duration }
                }
                return try JSON(encoding: total)
            },
            .step("chunk") { context in
                try JSON(encoding: try await Self.chunk(options: options, services: services, context: context))
            },
        ]
        var names = ["probe", "chunk"]
        let early = options.summarizesFirstChapter
        if early, let kind = options.transcriberKind {  // an audiobook: its first chapter summarised before the rest is done
            steps.insert(contentsOf: Self.firstChapterSteps(options: options, kind: kind, services: services), at: 1)
            names.insert(contentsOf: ["chunk_first", "transcribe_first", "summarize_first"], at: 1)
            steps[4] = .step("chunk", after: ["chunk_first"]) { context in
                try JSON(encoding: try await Self.chunk(options: options, services: services, context: context))
            }
        }
        if let kind = options.transcriberKind {
            steps.append(.fanOut("transcribe", after: early ? ["chunk", "transcribe_first"] : nil,
                                 concurrency: max(1, options.chunkConcurrency ?? Self.chunkConcurrency)) { context in
                try context.require("chunk", as: [ChunkRef].self).map { try JSON(encoding: $0) }
            } each: { context, _, item in
                let chunk = try item.decode(ChunkRef.self)
                if chunk.part == 0, let done = context.output(of: "transcribe_first").flatMap({ try? $0.decode([Transcript].self) }),
                   done.indices.contains(chunk.index) {
                    return try JSON(encoding: done[chunk.index])  // the first chapter was transcribed early: never sent twice
                }
                return try JSON(encoding: try await Self.transcribe(chunk, kind: kind, options: options, services: services, context: context))
            })
            steps.append(.step("merge") { context in
                let chunks = try context.require("chunk", as: [ChunkRef].self)
                let parts = try context.require("transcribe", as: [Transcript].self)
                return try JSON(encoding: try await TranscriptPublisher(services: services).merge(chunks: chunks, parts: parts, context: context))
            })
            names += ["transcribe", "merge"]
            if options.summarize == true {
                steps.append(.step("summarize") { context in
                    let merged = try context.require("merge", as: MergedTranscript.self)
                    return try JSON(encoding: try await TranscriptPublisher(services: services).summarize(merged, context: context))
                })
                names.append("summarize")
            }
            if let language = options.translateTo {
                steps.append(.step("translate", after: ["merge"]) { context in
                    let merged = try context.require("merge", as: MergedTranscript.self)
                    return try JSON(encoding: try await CaptionTranslator(services: services).translate(merged, to: language, context: context))
                })
                names.append("translate")
            }
        }
        if let url = options.sourceURL {
            steps.insert(SourceDownload.step(url: url, key: options.sourceKey, name: options.name, accepts: .media, services: services), at: 0)
            names.insert(SourceDownload.stepName, at: 0)
        }
        let stepNames = names
        steps.append(.step("publish", after: names) { context in
            try JSON(encoding: try await Self.publish(options: options, steps: stepNames + ["publish"], services: services, context: context))
        })
        return steps
    }

    /// Chunks in flight at once per job (Rev.ai's client allows 10 requests at once).
    static let chunkConcurrency = 8

    static func probe(_ path: String, name: String) async throws -> ProbeResult {
        let info: MediaInfo
        do {
            info = try await runOnDedicatedThread(name: "probe") { try MediaProbe.probe(path: path) }
        } catch let error as MediaError {
            // The reason without the path: the file here is a copy in the scratch folder.
            throw StepFailure(code: "bad_media", message: "\(name): \(error.code): \(error.reason)", retryable: false)
        }
        guard let audio = info.audio else { throw StepFailure(code: "no_audio", message: "\(name) has no audio stream", retryable: false) }
        let duration = info.durationSeconds ?? audio.durationSeconds ?? 0
        guard duration > 0 else { throw StepFailure(code: "bad_media", message: "\(name) has no duration", retryable: false) }
        return ProbeResult(duration: duration, container: info.container, codec: audio.codec,
                           sampleRate: audio.sampleRate ?? 0, channels: audio.channels ?? 0,
                           audioStreamIndex: info.audioStreamIndex, audioStreams: info.streams.filter { $0.kind == .audio }.count)
    }

    /// Chunks each file in turn; a later file's chunks start where the earlier files end.
    static func chunk(options: TranscribeInput, services: WorkflowServices, context: StepContext) async throws -> [ChunkRef] {
        let first = context.output(of: "chunk_first").flatMap { try? $0.decode(FirstChapter.self) }
        return try await chunk(options: options, parts: (first == nil ? 0 : 1)..<options.sources.count, after: first,
                               services: services, context: context).chunks
    }

    /// Chunks the files `parts`, numbered and shifted after the chunks of `first` (the first
    /// chapter, already chunked by `chunk_first`).
    static func chunk(options: TranscribeInput, parts: Range<Int>, after first: FirstChapter?, services: WorkflowServices,
                      context: StepContext) async throws -> FirstChapter {
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var refs: [ChunkRef] = first?.chunks ?? []
        var offset = first?.duration ?? 0
        let multi = options.parts != nil
        for (partIndex, part) in options.sources.enumerated() where parts.contains(partIndex) {
            let path = try await services.fetchSource(key: part.sourceKey, name: part.name, into: folder)
            let output = folder + "/chunks-\(partIndex)"
            let jobOptions = ChunkJobOptions(chunking: options.chunking)
            let manifest: ChunkManifest
            do {
                manifest = try await runOnDedicatedThread(name: "chunk") { try ChunkFileJob.run(input: path, directory: output, options: jobOptions).manifest }
            } catch let error as MediaError {
                throw StepFailure(code: "bad_media", message: "\(part.name): \(error.code): \(error.reason)", retryable: false)
            }
            for chunk in manifest.chunks {
                let index = refs.count
                let start = offset + chunk.startSeconds
                let end = offset + chunk.endSeconds
                let asset = try await services.publish(output + "/" + chunk.path, job: context.jobID, relative: "chunks/\(index).flac",
                                                       kind: "chunk", context: context,
                                                       meta: try JSON(encoding: ["start": start, "end": end]))
                refs.append(ChunkRef(index: index, part: multi ? partIndex : nil, key: asset.key, start: start, end: end, asset: asset))
            }
            offset += manifest.source.durationSeconds
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: output)
        }
        return FirstChapter(chunks: refs, duration: offset)
    }

    static func transcribe(_ chunk: ChunkRef, kind: TranscriberKind, options: TranscribeInput, services: WorkflowServices,
                           context: StepContext) async throws -> Transcript {
        let transcriber: any Transcriber
        if kind == .local, services.environment.optional("LOCAL_WHISPER_BASE_URL") == nil {
            guard let engine = services.localWhisper else {
                throw StepFailure(code: "missing_configuration",
                                  message: "the local transcription engine is not installed; run scripts/setup.sh", retryable: false)
            }
            do {
                transcriber = try await engine.transcriber(logger: context.logger)
            } catch let error as ProviderError {
                throw StepFailure(code: "missing_configuration", message: error.description, retryable: false)
            }
        } else {
            transcriber = try services.transcriber(kind)
        }
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/\(chunk.index).flac"
        try await services.storage.get(key: chunk.key, to: path)
        if let revai = transcriber as? RevAITranscriber, let publicURL = services.publicURL,
           let callbacks = context.store as? any CallbackStore {
            // Rev.ai calls back when the chunk is done; polling stays the (slow) fallback.
            let callback = try await RevAIStoreCallback.register(publicURL: publicURL, job: context.jobID, step: context.step, store: callbacks)
            return try await revai.transcribe(file: path, language: options.language, callback: callback)
        }
        return try await transcriber.transcribe(file: path, language: options.language)
    }

    static func publish(options: TranscribeInput, steps: [String], services: WorkflowServices, context: StepContext) async throws -> [String: String] {
        let probe = try context.require("probe", as: ProbeResult.self)
        let chunks = try context.require("chunk", as: [ChunkRef].self)
        var assets = chunks.map(\.asset)
        var skipped: [SkippedStep] = []
        // What was decoded, which a truncated file makes shorter than what its header declares.
        let decoded = chunks.map(\.end).max() ?? probe.duration
        var summary: [String: JSONValue] = ["duration_seconds": .number(decoded), "chunks": .number(Double(chunks.count)),
                                            "container": .string(probe.container), "codec": .string(probe.codec)]
        if options.parts == nil, abs(decoded - probe.duration) > 0.05 { summary["declared_duration_seconds"] = .number(probe.duration) }
        var warnings: [String] = []
        if options.parts == nil, let warning = ChunkFileJob.durationWarning(decoded: decoded, declared: probe.duration) {
            warnings.append(warning)
        }
        if let count = probe.audioStreams, count > 1 {
            warnings.append("the file holds \(count) audio streams; stream #\(probe.audioStreamIndex ?? 0) was transcribed")
        }
        if let index = probe.audioStreamIndex {
            summary["audio_stream_index"] = .number(Double(index))
            summary["audio_streams"] = .number(Double(probe.audioStreams ?? 1))
        }
        if options.parts != nil {  // an audiobook: where each file (chapter) starts
            let starts = options.sources.indices.map { part in chunks.first { $0.part == part }?.start ?? 0 }
            summary["chapters"] = .array(zip(options.sources, starts).map { .object(["name": .string($0.name), "start": .number($1)]) })
        }
        if options.transcriberKind == nil {
            let reason = "no speech-to-text provider configured"
            let enable = "REVAI_ACCESS_TOKEN (Rev.ai) or OPENAI_API_KEY (OpenAI-compatible), or the local engine (scripts/setup.sh)"
            skipped = ["transcribe", "merge", "summarize", "embed"].map { SkippedStep(step: $0, reason: reason, enableWith: enable) }
        } else {
            let merged = try context.require("merge", as: MergedTranscript.self)
            assets += merged.assets
            summary["words"] = .number(Double(merged.words))
            summary["cues"] = .number(Double(merged.cues))
            summary["transcriber"] = .string(options.transcriber ?? "")
            if options.summarize == true {
                let summarized = try context.require("summarize", as: [PublishedAsset].self)
                assets += summarized
                if options.summarizesFirstChapter {
                    assets += try context.require("summarize_first", as: [PublishedAsset].self)
                }
            }
            if options.translateTo != nil {
                assets += try context.require("translate", as: [PublishedAsset].self)
            }
            if options.summarize != true {
                skipped = ["summarize", "embed"].map { SkippedStep(step: $0, reason: "no Gemini key", enableWith: "GEMINI_API_KEY") }
            }
        }
        var manifest = JobManifest(jobID: context.jobID.uuidString.lowercased(), workflow: "transcribe", input: context.input,
                                   steps: steps, assets: assets, summary: summary, warnings: warnings)
        manifest.skipped = skipped
        let asset = try await services.publish(bytes: try manifest.encoded(), job: context.jobID, relative: "manifest.json", kind: "manifest", context: context)
        return ["manifest": asset.uri]
    }
}
