import FakeProviders
import Foundation
import TestSupport
import Logging
import MediaCore
import Testing
@testable import Pipeline
@testable import Providers

/// `--pictures`: narrate with the fake Gemini (image prompts and pictures) and the fake Cloud
/// TTS, run by an in-process worker on SQLite, real FFmpeg for images and audio.
@Suite(.serialized)
struct IllustratedNarrationTests {
    static let titles = ["The Harbour", "The Storm", "The Lighthouse", "The Rescue", "The Morning"]
    /// Five chapters of one segment each; each text starts with its own words (the fake's image
    /// prompt is the first words of the passage, so a test can block one picture by a word).
    static let story = makeStory(prefix: "")
    static func makeStory(prefix: String) -> String {
        zip(titles, paragraphs).map { "# \($0)\n\n\(prefix)\($1)\n" }.joined(separator: "\n")
    }
    static let paragraphs = [
        "Gulls circled the harbour while the fishermen mended their nets in the low sun.",
        "Thunder rolled over the bay and the waves rose higher than the old sea wall.",
        "Lanterns burned in the tower as the keeper turned the great lens by hand.",
        "Oars flashed in the spray when the lifeboat crew pulled toward the stranded ship.",
        "Sunlight returned at dawn, and the whole village walked down to the quiet shore.",
    ]

    struct Setup {
        let root: String
        let fakes: FakeProviders
        let services: WorkflowServices
        let store: any JobStore
        var output: String { root + "/out" }

        /// Enqueues one narrate job per text and runs them all at once; returns the job ids.
        func narrate(_ texts: [String], pictures: Int = 5, engine: String = "gemini", aspect: String = "16:9") async throws -> [UUID] {
            var ids: [UUID] = []
            for (i, text) in texts.enumerated() {
                let key = "inputs/\(UUID().uuidString)/story-\(i).md"
                _ = try await services.storage.put(bytes: Data(text.utf8), key: key)
                let input = NarrateInput(sourceKey: key, name: "story-\(i).md", engine: "google", style: "fictional",
                                         picturesCount: pictures, imageEngine: engine, imageAspect: aspect)
                ids.append(try await store.enqueue(EnqueueRequest(workflow: "narrate", input: try JSON(encoding: input)), source: "test").jobID)
            }
            var registry = WorkflowRegistry.builtIn
            registry.registerMediaWorkflows(services)
            var configuration = WorkerConfiguration()
            configuration.concurrency = max(1, texts.count)
            configuration.exitWhenIdle = true
            configuration.pollInterval = .milliseconds(50)
            configuration.retryBaseDelay = .milliseconds(50)
            try await Worker(store: store, registry: registry, configuration: configuration, logger: Logger(label: "test")).run()
            return ids
        }
    }

    static func setUp(geminiLimit: Int = 4) async throws -> Setup {
        let root = TestEnvironment.scratchDirectory().appendingPathComponent("illustrated-\(UUID().uuidString.prefix(8))").path
        let fakes = try await FakeProviders.start()
        let env = ProviderEnvironment([
            "GEMINI_API_KEY": fakes.keys.gemini, "GEMINI_BASE_URL": fakes.baseURL,
            "GOOGLE_API_KEY": fakes.keys.google, "GOOGLE_TTS_BASE_URL": fakes.baseURL,
        ])
        let logger = Logger(label: "test")
        let providers = ProviderClients(environment: env, limits: ProviderLimits(["gemini": geminiLimit]), logger: logger)
        let services = WorkflowServices(storage: try LocalStorage(root: root + "/out"), environment: env, logger: logger,
                                        scratch: root + "/scratch", providers: providers)
        let store = try await openJobStore(url: "sqlite:" + root + "/state.sqlite")
        try await store.migrate()
        return Setup(root: root, fakes: fakes, services: services, store: store)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The `[[…]]` lines and titles of markup.txt, block by block.
    static func blocks(_ markup: String) -> [[String]] {
        markup.components(separatedBy: "[[/SEGMENT]]").dropLast().map { block in
            block.split(separator: "\n").map(String.init).filter { $0.hasPrefix("[[") || $0.hasPrefix("# ") }
        }
    }

    static func ffprobeStreams(_ path: String) async throws -> [String] {
        try await Command.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height:stream_disposition=attached_pic",
                               "-of", "compact=p=0", path]).output.split(separator: "\n").map(String.init)
    }

    @Test func fiveSegmentsFivePicturesGiveImagesMetaMarkupAndACoverAndARerunDrawsNothing() async throws {
        let setup = try await Self.setUp()
        let job = try #require(try await setup.narrate([Self.story]).first)
        let record = try #require(try await setup.store.job(job))
        #expect(record.status == .succeeded, "\(record.error ?? "")")
        #expect(setup.fakes.gemini.imageRequests == 5)

        let assets = try await setup.store.assets(of: job)
        let images = assets.filter { $0.kind == "segment_image" }.sorted { $0.uri < $1.uri }
        let audio = assets.filter { $0.kind == "segment_audio" }.sorted { $0.uri < $1.uri }
        #expect(images.count == 5 && audio.count == 5)
        let jobDir = setup.output + "/jobs/\(job.uuidString.lowercased())"
        for index in 0..<5 {
            let path = jobDir + "/segments/\(index)/image.png"
            let info = try StillImage.inspect(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(info.format == .png)
            let ratio: Double = Double(info.width) / Double(info.height)
            #expect(abs(ratio - 16.0 / 9.0) < 0.09, "\(info.width)x\(info.height)")
            let image = try #require(images.first { $0.uri.hasSuffix("segments/\(index)/image.png") })
            let meta = try Self.object(image.meta)
            #expect(meta["width"] as? Int == info.width && meta["height"] as? Int == info.height, "\(meta)")
            #expect(meta["model"] as? String == "gemini-2.5-flash-image")
            #expect(meta["style"] as? String == "fictional")
            let prompt = try #require(meta["prompt"] as? String)
            #expect(!prompt.isEmpty)
            let sound = try #require(audio.first { $0.uri.hasSuffix("segments/\(index)/audio.mp3") })
            let audioMeta = try Self.object(sound.meta)
            #expect((audioMeta["duration"] as? Double ?? 0) > 1, "\(audioMeta)")
            #expect(audioMeta["engine"] as? String == "google" && audioMeta["sample_rate"] as? Int != nil, "\(audioMeta)")
            #expect(audioMeta["model"] as? String != nil && audioMeta["voice"] as? String != nil, "\(audioMeta)")
        }

        // The markup: five blocks in order, titled, each with its picture and its audio by asset id.
        let markup = try String(contentsOfFile: jobDir + "/markup.txt", encoding: .utf8)
        let blocks = Self.blocks(markup)
        #expect(blocks.count == 5)
        for (index, block) in blocks.enumerated() {
            let image = try #require(images.first { $0.uri.hasSuffix("segments/\(index)/image.png") })
            let sound = try #require(audio.first { $0.uri.hasSuffix("segments/\(index)/audio.mp3") })
            #expect(block == ["[[SEGMENT id=\(index)]]", "# \(Self.titles[index])",
                              "[[IMAGE asset_id=\(AssetID.make(job: job, uri: image.uri))]]",
                              "[[AUDIO asset_id=\(AssetID.make(job: job, uri: sound.uri))]]"], "\(block)")
        }
        // The title is spoken too: the segmenter reads it at the chapter's start.
        #expect(markup.hasPrefix("[[SEGMENT id=0]]\n# The Harbour\n\nThe Harbour. Gulls circled the harbour"))
        let json = try Self.object(String(contentsOfFile: jobDir + "/markup.json", encoding: .utf8))
        let segments = try #require(json["segments"] as? [[String: Any]])
        #expect(segments.map { $0["title"] as? String ?? "" } == Self.titles)

        // The manifest lists the pictures with their meta; the book's cover is the first one.
        let manifest = try Self.object(String(contentsOfFile: jobDir + "/manifest.json", encoding: .utf8))
        let listed = try #require(manifest["assets"] as? [[String: Any]]).filter { $0["kind"] as? String == "segment_image" }
        #expect(listed.count == 5 && listed.allSatisfy { ($0["meta"] as? [String: Any])?["prompt"] is String })
        let firstImage = try StillImage.inspect(try Data(contentsOf: URL(fileURLWithPath: jobDir + "/segments/0/image.png")))
        for book in ["audio.m4b", "audio.mp3"] {
            let streams = try await Self.ffprobeStreams(jobDir + "/" + book)
            #expect(streams.contains("codec_name=png|width=\(firstImage.width)|height=\(firstImage.height)|disposition:attached_pic=1"),
                    "\(book): \(streams)")
        }

        // A rerun with a fresh state (same store): every picture and prompt from the cache.
        let requests = setup.fakes.stats(.gemini).calls
        let fresh = try await Self.freshStore(setup.root)
        let again = IllustratedNarrationTests.Setup(root: setup.root, fakes: setup.fakes, services: setup.services, store: fresh)
        let rerun = try #require(try await again.narrate([Self.story]).first)
        #expect(try await again.store.job(rerun)?.status == .succeeded)
        #expect(rerun != job)
        #expect(setup.fakes.gemini.imageRequests == 5, "a rerun drew \(setup.fakes.gemini.imageRequests - 5) pictures")
        #expect(setup.fakes.stats(.gemini).calls == requests, "a rerun sent \(setup.fakes.stats(.gemini).calls - requests) Gemini requests")
        await again.store.close()
        await setup.store.close()
        await setup.fakes.shutdown()
    }

    static func freshStore(_ root: String) async throws -> any JobStore {
        let store = try await openJobStore(url: "sqlite:" + root + "/state-\(UUID().uuidString.prefix(6)).sqlite")
        try await store.migrate()
        return store
    }

    @Test func aBlockedPromptFailsItsSegmentWithTheServicesReason() async throws {
        let setup = try await Self.setUp()
        var behaviour = FakeGemini.ImageBehaviour()
        behaviour.blockContaining = "Lanterns"
        setup.fakes.gemini.setImageBehaviour(behaviour)
        let job = try #require(try await setup.narrate([Self.story]).first)
        let record = try #require(try await setup.store.job(job))
        #expect(record.status == .dead, "blocked pictures are not retried: \(record.status)")
        let error = try Self.object(try #require(record.error))
        #expect(error["code"] as? String == "image_blocked", "\(error)")
        #expect((error["message"] as? String ?? "").contains("IMAGE_SAFETY") && (error["message"] as? String ?? "").contains("segment 2"), "\(error)")
        #expect((error["step"] as? String ?? "").hasPrefix("illustrate"), "\(error)")
        // No picture of segment 2, no book; whatever pictures were stored are whole and recorded.
        let assets = try await setup.store.assets(of: job)
        #expect(!assets.contains { $0.uri.hasSuffix("segments/2/image.png") })
        #expect(!assets.contains { $0.kind == "audiobook" || $0.kind == "markup" })
        let jobDir = setup.output + "/jobs/\(job.uuidString.lowercased())"
        for asset in assets where asset.kind == "segment_image" {
            let relative = String(asset.uri.split(separator: "/").suffix(3).joined(separator: "/"))
            #expect(try StillImage.inspect(Data(contentsOf: URL(fileURLWithPath: jobDir + "/" + relative))).width > 0)
        }
        #expect(!FileManager.default.fileExists(atPath: jobDir + "/segments/2/image.png"))
        await setup.store.close()
        await setup.fakes.shutdown()
    }

    @Test func imagenAndJPEGAnswersAreStoredAsPNGsOfTheAskedAspect() async throws {
        let setup = try await Self.setUp()
        var behaviour = FakeGemini.ImageBehaviour()
        behaviour.jpeg = true
        setup.fakes.gemini.setImageBehaviour(behaviour)
        let ids = try await setup.narrate([Self.story], pictures: 2, engine: "gemini", aspect: "3:4")
            + (try await setup.narrate([Self.story + "\nThe end.\n"], pictures: 2, engine: "imagen", aspect: "1:1"))
        for (job, size) in zip(ids, [(864, 1184), (1024, 1024)]) {
            #expect(try await setup.store.job(job)?.status == .succeeded)
            let jobDir = setup.output + "/jobs/\(job.uuidString.lowercased())"
            // Two pictures spread over five segments: the first and the third.
            for index in [0, 2] {
                let info = try StillImage.inspect(try Data(contentsOf: URL(fileURLWithPath: jobDir + "/segments/\(index)/image.png")))
                #expect(info == StillImageInfo(format: .png, width: size.0, height: size.1))
            }
            #expect(!FileManager.default.fileExists(atPath: jobDir + "/segments/1/image.png"))
            let blocks = Self.blocks(try String(contentsOfFile: jobDir + "/markup.txt", encoding: .utf8))
            #expect(blocks.map { $0.contains { $0.hasPrefix("[[IMAGE ") } }.prefix(5) == [true, false, true, false, false])
        }
        await setup.store.close()
        await setup.fakes.shutdown()
    }

    @Test func theGeminiLimitHoldsAcrossThreeIllustratedJobsAtOnce() async throws {
        let setup = try await Self.setUp(geminiLimit: 2)
        setup.fakes.setLatency(.milliseconds(40), for: .gemini)
        // Three different stories (no prompt or picture is shared through the cache).
        let texts = (1...3).map { version in Self.makeStory(prefix: "In telling \(version), ") }
        let ids = try await setup.narrate(texts)
        for id in ids { #expect(try await setup.store.job(id)?.status == .succeeded) }
        #expect(setup.fakes.gemini.imageRequests == 15)
        let stats = setup.fakes.stats(.gemini)
        #expect(stats.peakConcurrency <= 2, "\(stats.peakConcurrency) Gemini requests in flight with a limit of 2")
        #expect(stats.peakConcurrency == 2, "15 pictures and 15 prompts waiting should fill the limit")
        await setup.store.close()
        await setup.fakes.shutdown()
    }
}
