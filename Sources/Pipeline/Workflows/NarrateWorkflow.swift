import Crypto
import Foundation
import Logging
import MediaCore
import Providers

/// `narrate`: a text document → extract_text → segment → synthesize (one item per segment,
/// cached by content hash), beside it with `--pictures` image_prompts → illustrate → assemble
/// (mp3 and m4b with chapters, the first picture as cover) → publish (markup, manifest).
struct NarrateWorkflow: Workflow {
    let name = "narrate"
    let services: WorkflowServices
    /// With pictures, `image_prompts` → `illustrate` (Gemini) run beside `synthesize` (the speech
    /// provider): both wait only on `segment`, and `assemble` on both.
    var maxParallelSteps: Int { 2 }

    func steps(for input: JSON) throws -> [Step] {
        let options: NarrateInput
        do { options = try input.decode(NarrateInput.self) } catch {
            throw StepFailure(code: "bad_input", message: "narrate input: \(error)", retryable: false)
        }
        if let problem = options.pictureProblem { throw StepFailure(code: "bad_input", message: problem, retryable: false) }
        let services = services
        var steps: [Step] = [
            .step("extract_text") { context in
                let folder = try services.scratchFolder(context.jobID, context.step)
                defer { try? FileManager.default.removeItem(atPath: folder) }
                let path: String
                if let text = options.text {
                    path = try services.scratchSource(Data(text.utf8), name: options.name, into: folder)
                } else if let key = options.sourceKey {
                    path = try await services.fetchSource(key: key, name: options.name, into: folder)
                } else {
                    throw StepFailure(code: "bad_input", message: "narrate input: neither text nor source_key", retryable: false)
                }
                let limit = options.maxInputChars ?? NarrateInput.defaultMaxInputChars
                let extracted = try await runOnDedicatedThread(name: "extract-text") { try TextExtractor.extract(path: path, maxCharacters: limit) }
                for warning in extracted.warnings { context.logger.warning("extract_text", metadata: ["warning": "\(warning)"]) }
                return try JSON(encoding: extracted)
            },
        ]
        steps += NarrationScript.steps(options: options, services: services)
        if let url = options.sourceURL {
            guard let key = options.sourceKey else {
                throw StepFailure(code: "bad_input", message: "narrate input: source_url without source_key", retryable: false)
            }
            steps.insert(SourceDownload.step(url: url, key: key, name: options.name, accepts: .text, services: services), at: 0)
        }
        let stepNames = (options.sourceURL == nil ? [] : [SourceDownload.stepName])
            + ["extract_text"] + NarrationScript.stepNames(options) + (options.pictures > 0 ? Illustration.stepNames : [])
            + ["synthesize", "assemble", "publish"]
        if options.pictures > 0 { steps += Illustration.steps(options: options, services: services) }
        steps += [
            .fanOut("synthesize", after: options.pictures > 0 ? ["segment"] : nil, concurrency: options.concurrency(services)) { context in
                try context.require("segment", as: SegmentPlan.self).segments.map { try JSON(encoding: $0) }
            } each: { context, _, item in
                let segment = try item.decode(TextSegment.self)
                return try JSON(encoding: try await SegmentSynthesis(services: services, options: options).run(segment, context: context))
            },
            .step("assemble", after: options.pictures > 0 ? ["synthesize", "illustrate"] : nil) { context in
                let plan = try context.require("segment", as: SegmentPlan.self)
                let clips = try context.require("synthesize", as: [SynthesizedSegment].self)
                let pictures = options.pictures > 0 ? try context.require("illustrate", as: [IllustratedSegment].self) : []
                return try JSON(encoding: try await Assembly(services: services, targetLUFS: options.loudnessTarget ?? NarrateInput.defaultLoudnessTarget)
                    .run(plan: plan, clips: clips, name: options.name, cover: pictures.first?.cacheKey, context: context))
            },
            .step("publish") { context in
                let plan = try context.require("segment", as: SegmentPlan.self)
                let clips = try context.require("synthesize", as: [SynthesizedSegment].self)
                let assembled = try context.require("assemble", as: AssembledAudio.self)
                let extracted = try context.require("extract_text", as: ExtractedText.self)
                let pictures = options.pictures > 0 ? try context.require("illustrate", as: [IllustratedSegment].self) : []
                var published: [PublishedAsset] = []
                let markup = NarrationMarkup(job: context.jobID, plan: plan, clips: clips, pictures: pictures, spans: assembled.spans)
                published.append(try await services.publish(bytes: Data(markup.text.utf8), job: context.jobID, relative: "markup.txt", kind: "markup", context: context))
                published.append(try await services.publish(bytes: try markup.json(), job: context.jobID, relative: "markup.json", kind: "markup_json", context: context))
                let loudness: JSONValue = assembled.loudness.manifestValue
                let manifest = JobManifest(
                    jobID: context.jobID.uuidString.lowercased(), workflow: "narrate", input: context.input,
                    steps: stepNames,
                    assets: clips.map(\.asset) + pictures.map(\.asset) + assembled.assets + published,
                    summary: [
                        "characters": .number(Double(extracted.characters)), "chapters": .number(Double(plan.chapterTitles.count)),
                        "segments": .number(Double(plan.segments.count)), "duration_seconds": .number(assembled.duration),
                        "segments_from_cache": .number(Double(clips.filter(\.cached).count)),
                        "pictures": .number(Double(pictures.count)), "pictures_from_cache": .number(Double(pictures.filter(\.cached).count)),
                        "pause_seconds": .number(plan.segments.dropLast().map(\.pauseAfter).reduce(0, +)),
                        "encoding": extracted.encoding.map { .string($0) } ?? .null, "loudness": loudness,
                    ],
                    warnings: extracted.warnings)
                let asset = try await services.publish(bytes: try manifest.encoded(), job: context.jobID, relative: "manifest.json", kind: "manifest", context: context)
                return try JSON(encoding: ["manifest": asset.uri, "audio": assembled.assets.first?.uri ?? ""])
            },
        ]
        return steps
    }
}

extension StepContext {
    /// The output of a finished step decoded as `T`.
    /// - Throws: `StepFailure` when the step has no output (a bug in the plan) or it does not decode.
    func require<T: Decodable>(_ step: String, as type: T.Type) throws -> T {
        guard let output = output(of: step) else { throw StepFailure(code: "missing_output", message: "step \(step) has no output") }
        do { return try output.decode(T.self) } catch {
            throw StepFailure(code: "bad_output", message: "output of \(step) does not decode as \(T.self): \(error)")
        }
    }
}

