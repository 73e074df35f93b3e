import Foundation
import Testing

@testable import Providers

/// S3Storage against the real moto_server with signature checking on; everything stored is
/// read back with the `aws` command, an independent client.
struct S3StorageMotoTests {
    @Test func singlePutIsReadBackWithSameBytesAndMetadata() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage()
        let dir = try TempDirectory()
        let file = try dir.randomFile("transcript.json", size: 100_000, seed: 7)

        let result = try await storage.put(
            file: file.path, key: "jobs/j1/transcript.json", options: PutOptions(metadata: ["job": "j1"]))

        #expect(result.outcome == .uploaded)
        #expect(result.sha256 == file.sha256)
        #expect(result.partsSent == 1)
        let key = storage.prefix + "jobs/j1/transcript.json"
        let head = try AWSCLI.head(bucket: moto.bucket, key: key)
        #expect(head.size == 100_000)
        #expect(head.contentType == "application/json")
        #expect(head.metadata == ["sha256": file.sha256, "job": "j1"])
        #expect(try AWSCLI.sha256(bucket: moto.bucket, key: key, in: dir.url) == file.sha256)
    }

    @Test func multipartWithUnevenLastPartIsReadBackWhole() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage(partSize: 5 << 20, concurrency: 3)
        let dir = try TempDirectory()
        let size = 3 * (5 << 20) + 1_234_567
        let file = try dir.randomFile("book.m4b", size: size, seed: 11)

        let result = try await storage.put(file: file.path, key: "jobs/j2/audio.m4b")

        #expect(result.outcome == .uploaded)
        #expect(result.partsSent == 4)
        let key = storage.prefix + "jobs/j2/audio.m4b"
        let head = try AWSCLI.head(bucket: moto.bucket, key: key)
        #expect(head.size == Int64(size))
        #expect(head.etag.hasSuffix("-4\""))
        #expect(head.contentType == "audio/mp4")
        #expect(head.metadata["sha256"] == file.sha256)
        #expect(try AWSCLI.sha256(bucket: moto.bucket, key: key, in: dir.url) == file.sha256)
        #expect(try await storage.uploadsInProgress().isEmpty)
    }

    @Test func wrongSecretIsRefused() async throws {
        let moto = try MotoServer.current()
        var config = try moto.configuration()
        config.credentials.secretAccessKey = "not-the-secret-0123456789"
        let storage = S3Storage(configuration: config, bucket: moto.bucket, prefix: "t-\(UUID().uuidString.prefix(8))/")

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(bytes: Data("hello".utf8), key: "a.txt")
        }
        #expect(error.status == 403)
        #expect(!"\(error)".contains("not-the-secret"))
        // The object does not exist for the real key either.
        #expect(try await moto.storage().head(key: "a.txt") == nil)
    }

    @Test func identicalUploadIsSkippedWithoutSendingBytes() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage()
        let dir = try TempDirectory()
        let file = try dir.randomFile("a.mp3", size: 50_000, seed: 3)
        let logStart = moto.logSize

        let first = try await storage.put(file: file.path, key: "a.mp3")
        let second = try await storage.put(file: file.path, key: "a.mp3")

        #expect(first.outcome == .uploaded)
        #expect(second.outcome == .skippedIdentical)
        #expect(second.partsSent == 0)
        let puts = moto.logLines(after: logStart).filter { $0.contains("\"PUT /\(moto.bucket)/\(storage.prefix)a.mp3 ") }
        #expect(puts.count == 1)

        // Different content under the same key is uploaded again.
        let changed = try dir.randomFile("a.mp3", size: 50_000, seed: 4)
        let third = try await storage.put(file: changed.path, key: "a.mp3")
        #expect(third.outcome == .uploaded)
        #expect(try AWSCLI.head(bucket: moto.bucket, key: storage.prefix + "a.mp3").metadata["sha256"] == changed.sha256)
    }

    @Test func permanentFailureAbortsTheUpload() async throws {
        let moto = try MotoServer.current()
        // 1 MiB parts are below moto's (and S3's) 5 MiB minimum: Complete fails with EntityTooSmall.
        let states = MemoryUploadStateStore()
        let storage = try moto.storage(partSize: 1 << 20, stateStore: states)
        let dir = try TempDirectory()
        let file = try dir.randomFile("small-parts.bin", size: 3 * (1 << 20) + 10, seed: 5)

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(file: file.path, key: "small-parts.bin")
        }
        #expect(error.code == "EntityTooSmall")
        #expect(try await storage.uploadsInProgress().isEmpty)
        #expect(try AWSCLI.uploadsInProgress(bucket: moto.bucket, prefix: storage.prefix).isEmpty)
        #expect(try await storage.head(key: "small-parts.bin") == nil)
        #expect(await states.states.isEmpty)
    }

    @Test(arguments: ["a b/c d.txt", "Straße/café naïve.json", "日本語/ファイル 1.mp3", "x+y=z&(1)!.srt", "emoji 🎧.wav"])
    func keysWithSpacesAndNonLatinCharacters(name: String) async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage()
        let dir = try TempDirectory()
        let file = try dir.randomFile("input.bin", size: 2048, seed: UInt64(name.utf8.count))

        _ = try await storage.put(file: file.path, key: name)

        let head = try AWSCLI.head(bucket: moto.bucket, key: storage.prefix + name)
        #expect(head.metadata["sha256"] == file.sha256)
        #expect(head.contentType == ContentType.forPath(name))
        #expect(try AWSCLI.sha256(bucket: moto.bucket, key: storage.prefix + name, in: dir.url) == file.sha256)
        #expect(try await storage.list(prefix: "").map(\.key) == [name])
    }

    @Test func nonLatinKeyGoesMultipart() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage(partSize: 5 << 20)
        let dir = try TempDirectory()
        let file = try dir.randomFile("big.bin", size: (5 << 20) + 99, seed: 9)
        let key = "Hörbuch/Kapitel 1 – 日本.m4a"

        let result = try await storage.put(file: file.path, key: key)

        #expect(result.partsSent == 2)
        #expect(try AWSCLI.sha256(bucket: moto.bucket, key: storage.prefix + key, in: dir.url) == file.sha256)
    }

    @Test func getListAndDeleteRoundTrip() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage()
        let dir = try TempDirectory()
        let file = try dir.randomFile("x.flac", size: 10_000, seed: 2)
        _ = try await storage.put(file: file.path, key: "jobs/j/chunks/0.flac")
        _ = try await storage.put(bytes: Data("{}".utf8), key: "jobs/j/manifest.json")

        #expect(try await storage.list(prefix: "jobs/j/").map(\.key) == ["jobs/j/chunks/0.flac", "jobs/j/manifest.json"])
        let copy = dir.url.appendingPathComponent("copy.flac").path
        try await storage.get(key: "jobs/j/chunks/0.flac", to: copy)
        #expect(try FileDigest.sha256(path: copy).hex == file.sha256)
        #expect(try await storage.head(key: "jobs/j/chunks/0.flac")?.sha256 == file.sha256)

        try await storage.delete(key: "jobs/j/chunks/0.flac")
        #expect(try await storage.head(key: "jobs/j/chunks/0.flac") == nil)
        let missing = try await #require(throws: StorageError.self) {
            try await storage.get(key: "jobs/j/chunks/0.flac", to: copy)
        }
        #expect(missing.isNotFound)
        #expect(storage.uri(for: "jobs/j/manifest.json") == "s3://\(moto.bucket)/\(storage.prefix)jobs/j/manifest.json")
    }
}
