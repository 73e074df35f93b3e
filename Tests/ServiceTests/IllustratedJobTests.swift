import FakeProviders
import Foundation
import Providers
import Testing
@testable import Pipeline
@testable import Service

/// `POST /v1/jobs` with `pictures_count` (issue 13), on both stores, the embedded worker's
/// Gemini and Cloud TTS clients on the fakes: the job's assets carry their meta, the options
/// are checked up front.
@Suite(.serialized)
struct IllustratedJobTests {
    static let text = "# The Harbour\n\nGulls circled the harbour at dawn.\n\n# The Storm\n\nThunder rolled over the bay at night.\n"

    @Test(arguments: StoreKind.allCases)
    func picturesAndTheirMetaShowInTheJob(_ kind: StoreKind) async throws {
        let fakes = try await FakeProviders.start()
        let server = try await TestServer.start(kind) { options in
            options.providerEnvironment = ProviderEnvironment([
                "GEMINI_API_KEY": fakes.keys.gemini, "GEMINI_BASE_URL": fakes.baseURL,
                "GOOGLE_API_KEY": fakes.keys.google, "GOOGLE_TTS_BASE_URL": fakes.baseURL,
            ])
        }
        defer { Task { await server.stop(); await fakes.shutdown() } }
        let key = try await server.key(tenant: "acme")
        let created = try await server.request("POST", "/v1/jobs", key: key, json: [
            "workflow": "narrate", "input": ["text": Self.text, "name": "story.md"],
            "options": ["engine": "google", "style": "educational", "pictures_count": 2, "image_engine": "imagen", "image_aspect": "1:1"]])
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(try created.object()["id"] as? String)
        let job = try await server.waitForJob(id, key: key)
        #expect(job["status"] as? String == "succeeded", "\(job["error"] ?? "")")
        let assets = try #require(job["assets"] as? [[String: Any]])
        let images = assets.filter { $0["kind"] as? String == "segment_image" }
        #expect(images.count == 2)
        for image in images {
            let meta = try #require(image["meta"] as? [String: Any])
            #expect(meta["width"] as? Int == 1024 && meta["height"] as? Int == 1024, "\(meta)")
            #expect(meta["model"] as? String == "imagen-4.0-generate-001" && meta["style"] as? String == "educational", "\(meta)")
            #expect((meta["prompt"] as? String)?.isEmpty == false, "\(meta)")
            #expect(image["content_type"] as? String == "image/png")
        }
        let clip = try #require(assets.first { $0["kind"] as? String == "segment_audio" })
        let meta = try #require(clip["meta"] as? [String: Any])
        #expect((meta["duration"] as? Double ?? 0) > 0.5 && meta["engine"] as? String == "google", "\(meta)")
        #expect(meta["sample_rate"] as? Int != nil && meta["voice"] as? String != nil && meta["model"] as? String != nil, "\(meta)")
        let book = try #require(assets.first { $0["kind"] as? String == "audiobook" })
        #expect((book["meta"] as? [String: Any])?["cover_art"] as? Bool == true, "\(book)")
        #expect(assets.contains { $0["kind"] as? String == "markup_json" })
        #expect(fakes.gemini.imageRequests == 2)
    }

    @Test func pictureOptionsAreCheckedUpFront() async throws {
        let server = try await TestServer.start(.sqlite)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let cases: [([String: Any], String)] = [
            (["pictures_count": 21], "options.pictures_count 21 is over the limit of 20"),
            (["pictures_count": -1], "options.pictures_count must be 0 or more"),
            (["pictures_count": 2, "image_engine": "dalle"], "options.image_engine dalle is not one of gemini, imagen"),
            (["pictures_count": 2, "image_engine": "imagen", "image_aspect": "21:9"], "options.image_aspect 21:9 is not one imagen draws"),
        ]
        for (options, expected) in cases {
            let answer = try await server.request("POST", "/v1/jobs", key: key, json: [
                "workflow": "narrate", "input": ["text": "A short story."], "options": options])
            #expect(answer.status == 422, "\(answer.text)")
            let detail = try answer.object()["detail"] as? String ?? ""
            #expect(detail.hasPrefix(expected), "\(detail)")
        }
    }
}
