import Foundation
import Testing

@testable import Providers

struct LocalStorageTests {
    @Test func putHeadGetListDelete() async throws {
        let dir = try TempDirectory()
        let storage = try LocalStorage(root: dir.path + "/out")
        let file = try await dir.randomFile("in/audio.mp3", size: 300_000)

        let result = try await storage.put(file: file.path, key: "jobs/j1/audio.mp3", options: PutOptions(metadata: ["Job": "j1"]))
        #expect(result.outcome == .uploaded)
        #expect(result.sha256 == file.sha256)
        // Same layout as the S3 prefix: the object is a plain file at <root>/<key>.
        #expect(try FileDigest.sha256(path: dir.path + "/out/jobs/j1/audio.mp3").hex == file.sha256)

        let info = try #require(try await storage.head(key: "jobs/j1/audio.mp3"))
        #expect(info.size == 300_000)
        #expect(info.contentType == "audio/mpeg")
        #expect(info.metadata == ["sha256": file.sha256, "job": "j1"])

        _ = try await storage.put(bytes: Data("{}".utf8), key: "jobs/j1/manifest.json")
        #expect(try await storage.list(prefix: "jobs/").map(\.key) == ["jobs/j1/audio.mp3", "jobs/j1/manifest.json"])

        let copy = dir.path + "/copy.mp3"
        try await storage.get(key: "jobs/j1/audio.mp3", to: copy)
        #expect(try FileDigest.sha256(path: copy).hex == file.sha256)

        try await storage.delete(key: "jobs/j1/audio.mp3")
        #expect(try await storage.head(key: "jobs/j1/audio.mp3") == nil)
        let missing = try await #require(throws: StorageError.self) { try await storage.get(key: "jobs/j1/audio.mp3", to: copy) }
        #expect(missing.isNotFound)
        #expect(storage.uri(for: "jobs/j1/manifest.json") == "file://\(dir.path)/out/jobs/j1/manifest.json")
    }

    @Test func identicalContentIsSkippedAndChangedContentReplaced() async throws {
        let dir = try TempDirectory()
        let storage = try LocalStorage(root: dir.path + "/out")
        let first = try await dir.randomFile("a.wav", size: 1000)
        #expect(try await storage.put(file: first.path, key: "a.wav").outcome == .uploaded)
        #expect(try await storage.put(file: first.path, key: "a.wav").outcome == .skippedIdentical)

        let second = try await dir.randomFile("a.wav", size: 1000)
        #expect(try await storage.put(file: second.path, key: "a.wav").outcome == .uploaded)
        #expect(try await storage.head(key: "a.wav")?.sha256 == second.sha256)
    }

    @Test func objectReplacedBehindTheStoresBackIsNotTrusted() async throws {
        let dir = try TempDirectory()
        let storage = try LocalStorage(root: dir.path + "/out")
        let file = try await dir.randomFile("a.bin", size: 1000)
        _ = try await storage.put(file: file.path, key: "a.bin")
        // Someone truncates the object: its sidecar no longer describes it.
        try Data("xyz".utf8).write(to: URL(fileURLWithPath: dir.path + "/out/a.bin"))
        #expect(try await storage.head(key: "a.bin")?.sha256 == nil)
        #expect(try await storage.put(file: file.path, key: "a.bin").outcome == .uploaded)
    }

    @Test func writesLeaveNoTemporaryFilesAndKeysWithSpacesWork() async throws {
        let dir = try TempDirectory()
        let storage = try LocalStorage(root: dir.path + "/out")
        for index in 0..<5 {
            _ = try await storage.put(bytes: Data("v\(index)".utf8), key: "日本/a b \(index).txt")
        }
        let temporary = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out/.storage/tmp")
        #expect(temporary.isEmpty)
        #expect(try await storage.list(prefix: "").count == 5)
        #expect(try await storage.list(prefix: "日本/a b 3").map(\.key) == ["日本/a b 3.txt"])
    }

    @Test(arguments: ["", "/abs", "a//b", "a/./b", "../x", "a/..", "trailing/", ".storage/x", "tab\there"])
    func invalidKeysAreRefused(key: String) async throws {
        let dir = try TempDirectory()
        let storage = try LocalStorage(root: dir.path)
        let error = try await #require(throws: StorageError.self) { _ = try await storage.put(bytes: Data(), key: key) }
        #expect(error.isInvalidKey)
    }

    @Test func contentTypesFollowExtensions() {
        #expect(ContentType.forPath("jobs/1/audio.MP3") == "audio/mpeg")
        #expect(ContentType.forPath("book.m4b") == "audio/mp4")
        #expect(ContentType.forPath("captions.vtt") == "text/vtt")
        #expect(ContentType.forPath("captions.srt") == "application/x-subrip")
        #expect(ContentType.forPath("noext") == "application/octet-stream")
        #expect(ContentType.forPath(".hidden") == "application/octet-stream")
    }

    @Test func sidecarStateSurvivesAndIsLeftOutOfDirectoryWalks() async throws {
        let dir = try TempDirectory()
        let file = try await dir.randomFile("src/big.wav", size: 10)
        try await dir.randomFile("src/sub/x.txt", size: 10)
        let store = SidecarUploadStateStore()
        let state = MultipartUploadState(
            uri: "s3://b/big.wav", uploadID: "u1", partSize: 5 << 20, size: 10, sha256: file.sha256, parts: [1: "\"e1\""])
        try await store.save(state, source: file.path)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/src/.big.wav.upload.json"))
        #expect(try await store.load(uri: "s3://b/big.wav", source: file.path) == state)
        #expect(try await store.load(uri: "s3://other/big.wav", source: file.path) == nil)

        let items = try UploadBatch.items(for: [dir.path + "/src"], prefix: "p")
        #expect(items.map(\.key) == ["p/big.wav", "p/sub/x.txt"])
        try await store.remove(uri: state.uri, source: file.path)
        #expect(try await store.load(uri: "s3://b/big.wav", source: file.path) == nil)
    }

    @Test func partRangesCoverTheFileWithAnUnevenLastPart() {
        let ranges = MultipartUpload.partRanges(size: 10 * 1024 + 7, partSize: 1024)
        #expect(ranges.count == 11)
        #expect(ranges.last == .init(number: 11, offset: 10 * 1024, length: 7))
        let total: Int64 = ranges.map(\.length).reduce(0, +)
        #expect(total == 10 * 1024 + 7)
        // 10 000 parts at most: a 100 GiB file grows 8 MiB parts to 11 MiB.
        let grown: Int64 = MultipartUpload.partSize(for: 100 << 30, configured: 8 << 20)
        #expect(grown == 11 << 20)
        let kept: Int64 = MultipartUpload.partSize(for: 1 << 30, configured: 8 << 20)
        #expect(kept == 8 << 20)
    }
}
