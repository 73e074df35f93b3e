import Basics
import Foundation
import MediaCore
import Providers

/// `--pictures N`: narrate's two image steps between `segment` and `synthesize`.
/// `image_prompts` asks Gemini, per pictured segment, for an image prompt in the job's style;
/// `illustrate` draws each (Gemini image model or Imagen, through the process's one Gemini
/// client and its limiter), checks it, stores it as PNG at `segments/<idx>/image.png` and
/// records it with its metadata. Prompts and pictures are cached by content hash, so a rerun
/// costs no request.
enum Illustration {
    static let stepNames = ["image_prompts", "illustrate"]
    /// How far a picture's width/height may stray from the asked ratio: the models round their
    /// sizes (Gemini draws 16:9 as 1344×768, 1.75 for 1.78).
    static let aspectTolerance = 0.05

    /// The segments that get a picture: `count` of them spread evenly (all when `count` reaches
    /// the segment count), first segment always included so the cover is the story's opening.
    static func pictured(segments: Int, count: Int) -> [Int] {
        guard segments > 0, count > 0 else { return [] }
        let n = min(count, segments)
        return (0..<n).map { $0 * segments / n }
    }

    /// What the image prompt asks for, per style (none: a cinematic scene, as fiction).
    static func instruction(_ style: NarrationStyle?) -> String {
        let look = switch style {
        case .educational: "a clear explanatory diagram or illustration that makes the passage's idea easy to grasp"
        case .financial: "a sober, professional image in the manner of a clean chart or business photograph"
        case .fictional, nil: "a cinematic scene from the passage, with dramatic composition and lighting"
        }
        return """
            Write one prompt for an image generation model that illustrates the passage the user sends as \(look). \
            Describe concretely what is shown: subject, setting, composition, light and colours. No text, letters, \
            numbers or captions in the picture. At most 80 words, in English.
            """
    }

    struct PromptAnswer: Codable { var prompt: String }
    static let schema: JSONValue = ["type": "OBJECT", "properties": ["prompt": ["type": "STRING"]], "required": ["prompt"]]

    /// One pictured segment's plan, the item of `image_prompts`.
    struct Item: Codable, Sendable {
        var segment: Int
        var text: String
    }

    static func steps(options: NarrateInput, services: WorkflowServices) -> [Step] {
        let style = options.narrationStyle
        return [
            .fanOut("image_prompts", concurrency: NarrationScript.concurrency) { context in
                let plan = try context.require("segment", as: SegmentPlan.self)
                return try pictured(segments: plan.segments.count, count: options.pictures).map {
                    try JSON(encoding: Item(segment: plan.segments[$0].index, text: plan.segments[$0].text))
                }
            } each: { context, _, item in
                try JSON(encoding: try await prompt(try item.decode(Item.self), style: style, services: services, context: context))
            },
            .fanOut("illustrate", concurrency: services.providers.maxConcurrentGemini * 2) { context in
                try context.require("image_prompts", as: [ImagePrompt].self).map { try JSON(encoding: $0) }
            } each: { context, _, item in
                try JSON(encoding: try await SegmentIllustration(services: services, options: options).run(try item.decode(ImagePrompt.self), context: context))
            },
        ]
    }

    /// The image prompt for one segment, from the cache (`cache/image-prompts/<hash>.json`,
    /// keyed by text, style and model) or from Gemini.
    static func prompt(_ item: Item, style: NarrationStyle?, services: WorkflowServices, context: StepContext) async throws -> ImagePrompt {
        let gemini = try services.gemini(for: "--pictures")
        let system = instruction(style)
        let key = "cache/image-prompts/" + sha256Hex(Data(["image-prompt-v1", gemini.configuration.textModel, system, item.text]
            .joined(separator: "\u{1F}").utf8)) + ".json"
        let styleName = style?.rawValue ?? NarrationStyle.fictional.rawValue
        if try await services.storage.head(key: key) != nil {
            let folder = try services.scratchFolder(context.jobID, context.step)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try await services.storage.get(key: key, to: folder + "/prompt.json")
            if let cached = try? JSONDecoder().decode(PromptAnswer.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/prompt.json"))) {
                return ImagePrompt(segment: item.segment, prompt: cached.prompt, style: styleName, cached: true)
            }
        }
        let answer: PromptAnswer
        do {
            answer = try await gemini.generateJSON(PromptAnswer.self, prompt: item.text, schema: schema, system: system)
        } catch let error as ProviderError where error.kind == .blocked {
            throw StepFailure(code: "image_prompt_blocked", message: "segment \(item.segment): \(error.description)", retryable: false)
        }
        let text = answer.prompt.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !text.isEmpty else {
            throw StepFailure(code: "empty_image_prompt", message: "Gemini returned no image prompt for segment \(item.segment)", retryable: true)
        }
        _ = try await services.storage.put(bytes: try JSONEncoder().encode(PromptAnswer(prompt: text)), key: key)
        return ImagePrompt(segment: item.segment, prompt: text, style: styleName, cached: false)
    }
}

/// Output of one `image_prompts/<i>` item.
struct ImagePrompt: Codable, Sendable {
    var segment: Int
    var prompt: String
    var style: String
    var cached: Bool
}

/// Output of one `illustrate/<i>` item.
struct IllustratedSegment: Codable, Sendable {
    var segment: Int
    var cacheKey: String
    var cached: Bool
    var width: Int
    var height: Int
    var model: String
    var asset: PublishedAsset
}

/// Draws, checks, converts and stores one segment's picture.
struct SegmentIllustration {
    let services: WorkflowServices
    let options: NarrateInput

    func run(_ prompt: ImagePrompt, context: StepContext) async throws -> IllustratedSegment {
        let gemini = try services.gemini(for: "--pictures")
        let engine = options.imageEngineKind
        let model = gemini.imageModel(engine)
        let aspect = options.aspect
        let key = "cache/images/" + sha256Hex(Data(["image-cache-v1", engine.rawValue, model, aspect, prompt.prompt]
            .joined(separator: "\u{1F}").utf8)) + ".png"
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/image.png"
        var cached = false
        let png: Data
        let info: StillImageInfo
        if try await services.storage.head(key: key) != nil {
            try await services.storage.get(key: key, to: file)
            png = try Data(contentsOf: URL(fileURLWithPath: file))
            info = try await runOnDedicatedThread(name: "image-check") { try StillImage.inspect(png) }
            cached = true
        } else {
            let image: GeneratedImage
            do {
                image = try await gemini.generateImage(prompt.prompt, aspect: aspect, engine: engine)
            } catch let error as ProviderError {
                throw Self.failure(error, segment: prompt.segment)
            }
            (png, info) = try await Self.check(image, aspect: aspect, segment: prompt.segment)
            try png.write(to: URL(fileURLWithPath: file))
            _ = try await services.storage.put(file: file, key: key)
        }
        let meta: JSONValue = [
            "segment": .number(Double(prompt.segment)), "width": .number(Double(info.width)), "height": .number(Double(info.height)),
            "model": .string(model), "engine": .string(engine.rawValue), "style": .string(prompt.style),
            "prompt": .string(prompt.prompt), "aspect": .string(aspect),
        ]
        let asset = try await services.publish(file, job: context.jobID, relative: "segments/\(prompt.segment)/image.png",
                                               kind: "segment_image", context: context, meta: try JSON(encoding: meta))
        return IllustratedSegment(segment: prompt.segment, cacheKey: key, cached: cached, width: info.width, height: info.height,
                                  model: model, asset: asset)
    }

    /// The service's refusal (not retryable: the same prompt is refused again) or failure as
    /// a step failure that keeps its reason.
    static func failure(_ error: ProviderError, segment: Int) -> StepFailure {
        let message = "segment \(segment): \(error.description)"
        switch error.kind {
        case .blocked: return StepFailure(code: "image_blocked", message: message, retryable: false)
        case .invalidResponse: return StepFailure(code: "no_image", message: message, retryable: true)
        case .missingConfiguration, .invalidInput: return StepFailure(code: "image_failed", message: message, retryable: false)
        default: return StepFailure(code: "image_failed", message: message, retryable: error.isTransient || error.kind == .transport,
                                    retryAfter: error.retryAfter)
        }
    }

    /// The image as PNG once it decodes (PNG or JPEG, whatever the MIME type claims) at a size
    /// that fits `aspect`.
    /// - Throws: `StepFailure(bad_image)`, retryable: another draw may come out right.
    static func check(_ image: GeneratedImage, aspect: String, segment: Int) async throws -> (Data, StillImageInfo) {
        let bytes = image.data
        let decoded: (png: Data, info: StillImageInfo)
        do {
            decoded = try await runOnDedicatedThread(name: "image-check") { try StillImage.png(from: bytes) }
        } catch {
            throw StepFailure(code: "bad_image", message: "segment \(segment): the \(image.mimeType) image does not decode: \(error)")
        }
        let parts = aspect.split(separator: ":").compactMap { Double($0) }
        if parts.count == 2, parts[0] > 0, parts[1] > 0 {
            let wanted = parts[0] / parts[1]
            let got = Double(decoded.info.width) / Double(decoded.info.height)
            guard abs(got - wanted) / wanted <= Illustration.aspectTolerance else {
                throw StepFailure(code: "bad_image", message: "segment \(segment): the image is \(decoded.info.width)x\(decoded.info.height), not \(aspect)")
            }
        }
        return decoded
    }
}

extension ProviderClients {
    /// Requests in flight at once on the Gemini client (1 when it is not configured).
    package var maxConcurrentGemini: Int { (try? gemini.get().configuration.limits.maxConcurrent) ?? 1 }
}
