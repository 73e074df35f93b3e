import FakeProviders
import Foundation
import MediaCore
import Testing

@testable import Providers

/// Pictures through the Gemini client from the fake's Gemini image model and Imagen: real PNG
/// and JPEG bytes of the asked aspect ratio, refusals and empty answers as clear errors.
struct GeminiImagesTests {
    @Test(arguments: [(ImageEngineKind.gemini, "16:9", 1344, 768), (.gemini, "9:16", 768, 1344), (.imagen, "1:1", 1024, 1024),
                      (.imagen, "4:3", 1280, 896)])
    func drawsAPictureOfTheAskedAspect(engine: ImageEngineKind, aspect: String, width: Int, height: Int) async throws {
        try await withFakes { fixture in
            let image = try await fixture.gemini().generateImage("a lighthouse at dusk", aspect: aspect, engine: engine)
            #expect(image.mimeType == "image/png")
            #expect(image.model == (engine == .gemini ? "gemini-2.5-flash-image" : "imagen-4.0-generate-001"))
            #expect(try StillImage.inspect(image.data) == StillImageInfo(format: .png, width: width, height: height))
            #expect(fixture.fakes.gemini.imageRequests == 1)
        }
    }

    @Test func aJPEGAnswerDecodesAndBecomesAPNGOfTheSameSize() async throws {
        try await withFakes { fixture in
            var behaviour = FakeGemini.ImageBehaviour()
            behaviour.jpeg = true
            fixture.fakes.gemini.setImageBehaviour(behaviour)
            let image = try await fixture.gemini().generateImage("a harbour", aspect: "4:3", engine: .gemini)
            #expect(image.mimeType == "image/jpeg")
            #expect(try StillImage.inspect(image.data) == StillImageInfo(format: .jpeg, width: 1184, height: 864))
            let (png, info) = try StillImage.png(from: image.data)
            #expect(info.format == .jpeg)
            #expect(try StillImage.inspect(png) == StillImageInfo(format: .png, width: 1184, height: 864))
        }
    }

    @Test(arguments: ImageEngineKind.allCases)
    func refusalsAndEmptyAnswersAreClearErrors(engine: ImageEngineKind) async throws {
        try await withFakes { fixture in
            var behaviour = FakeGemini.ImageBehaviour()
            behaviour.blockContaining = "forbidden"
            behaviour.noImageContaining = "nothing"
            fixture.fakes.gemini.setImageBehaviour(behaviour)
            let gemini = try fixture.gemini()
            let blocked = await #expect(throws: ProviderError.self) { try await gemini.generateImage("a forbidden scene", aspect: "1:1", engine: engine) }
            #expect(blocked?.kind == .blocked)
            #expect(blocked?.code == (engine == .gemini ? "IMAGE_SAFETY" : "RAI_FILTERED"), "\(String(describing: blocked))")
            if engine == .imagen { #expect(blocked?.message?.contains("safety filter") == true, "\(String(describing: blocked))") }
            let empty = await #expect(throws: ProviderError.self) { try await gemini.generateImage("draw nothing", aspect: "1:1", engine: engine) }
            // Imagen's `{}` cannot be told from a silent filter, so it counts as refused.
            #expect(empty?.kind == (engine == .gemini ? .invalidResponse : .blocked), "\(String(describing: empty))")
            if engine == .gemini { #expect(empty?.code == "NO_IMAGE") }
        }
    }

    @Test func theFakeRefusesWhatTheRealServiceRefuses() async throws {
        try await withFakes { fixture in
            let gemini = try fixture.gemini()
            let aspect = await #expect(throws: ProviderError.self) { try await gemini.generateImage("x", aspect: "2:1", engine: .gemini) }
            #expect(aspect?.status == 400)
            let imagenAspect = await #expect(throws: ProviderError.self) { try await gemini.generateImage("x", aspect: "21:9", engine: .imagen) }
            #expect(imagenAspect?.status == 400)
            let wrongMethod = await #expect(throws: ProviderError.self) {
                try await gemini.generateText("x", model: "imagen-4.0-generate-001")
            }
            #expect(wrongMethod?.status == 404)
            #expect(fixture.fakes.gemini.imageRequests == 2)
        }
    }
}
