import Foundation
import MediaCore
import Testing

@testable import Providers

/// S3's additional checksums against the real moto_server (signature checking on), read back
/// with the `aws` command (`head-object --checksum-mode ENABLED`). moto 5.2 keeps the checksum
/// a PUT sends and computes the composite of a multipart upload itself at Complete (with the
/// `crc32c` package installed, as scripts/setup.sh does); it reports the composite only on
/// HeadObject (without the `-<parts>` suffix), which is where the store confirms it.
struct S3ChecksumMotoTests {
    @Test(arguments: ChecksumAlgorithm.allCases)
    func multipartCompositeIsConfirmedAndStored(algorithm: ChecksumAlgorithm) async throws {
        let moto = try MotoServer.current()
        var configuration = try moto.configuration(partSize: 5 << 20, concurrency: 3)
        configuration.checksumAlgorithm = algorithm
        let storage = S3Storage(
            configuration: configuration, bucket: moto.bucket, prefix: "t-\(UUID().uuidString.prefix(8))/")
        let dir = try TempDirectory()
        let file = try await dir.randomFile("talk.wav", size: 2 * (5 << 20) + 4_321)

        let result = try await storage.put(file: file.path, key: "talk.wav")

        let checksum = try #require(result.checksum)
        #expect(checksum.algorithm == algorithm)
        #expect(checksum.confirmed)
        #expect(checksum.value.hasSuffix("-3"))
        let key = storage.prefix + "talk.wav"
        // moto's HeadObject leaves the `-<parts>` out of a composite (S3 and moto's GetObject keep it).
        let stored = try await AWSCLI.checksums(bucket: moto.bucket, key: key)
        #expect(stored.keys.sorted() == [algorithm.xmlElement])
        #expect(stored[algorithm.xmlElement].map { $0 + "-3" } == checksum.value)
        #expect(try await AWSCLI.sha256(bucket: moto.bucket, key: key, in: dir.url) == file.sha256)
    }

    @Test func singlePutStoresItsChecksum() async throws {
        let moto = try MotoServer.current()
        let storage = try moto.storage()
        let dir = try TempDirectory()
        let file = try await dir.randomFile("notes.json", size: 200_000)

        let result = try await storage.put(file: file.path, key: "notes.json")
        let bytes = try await storage.put(bytes: Data("tiny".utf8), key: "tiny.txt")

        let expected = ChecksumAlgorithm.crc32c.checksum(of: try Data(contentsOf: URL(fileURLWithPath: file.path)))
        #expect(result.checksum == ObjectChecksum(algorithm: .crc32c, value: expected, confirmed: false))
        #expect(try await AWSCLI.checksums(bucket: moto.bucket, key: storage.prefix + "notes.json") == ["ChecksumCRC32C": expected])
        #expect(
            try await AWSCLI.checksums(bucket: moto.bucket, key: storage.prefix + "tiny.txt")
                == ["ChecksumCRC32C": ChecksumAlgorithm.crc32c.checksum(of: Data("tiny".utf8))])
        #expect(bytes.checksum?.algorithm == .crc32c)
    }

    @Test func withoutAlgorithmNothingIsDeclared() async throws {
        let moto = try MotoServer.current()
        var configuration = try moto.configuration(partSize: 5 << 20)
        configuration.checksumAlgorithm = nil
        let storage = S3Storage(configuration: configuration, bucket: moto.bucket, prefix: "t-\(UUID().uuidString.prefix(8))/")
        let dir = try TempDirectory()
        let file = try await dir.randomFile("plain.bin", size: (5 << 20) + 10)

        let result = try await storage.put(file: file.path, key: "plain.bin")

        #expect(result.checksum == nil)
        #expect(try await AWSCLI.sha256(bucket: moto.bucket, key: storage.prefix + "plain.bin", in: dir.url) == file.sha256)
    }

    /// An upload cancelled mid-way, resumed with a state store that keeps neither the algorithm
    /// nor the part checksums (like the job store's `uploads` table), completes with the
    /// checksum: the parts' checksums come from the file itself.
    @Test func cancelledUploadResumesWithChecksums() async throws {
        let moto = try MotoServer.current()
        let states = ForgetfulStateStore()
        let storage = try moto.storage(partSize: 5 << 20, concurrency: 1, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("long.wav", size: 12 * (5 << 20) + 99)

        let first = Task { try await storage.put(file: file.path, key: "long.wav") }
        // Cancel once two parts are recorded (polled off the cooperative pool).
        let waited = try await runOnDedicatedThread(name: "test") { () -> Bool in
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                if (states.saved?.parts.count ?? 0) >= 2 { return true }
                usleep(2_000)
            }
            return false
        }
        first.cancel()
        _ = try? await first.value
        #expect(waited, "the first run never recorded two parts")
        let saved = try #require(states.saved, "the cancelled run finished before it could be interrupted")

        let result = try await storage.put(file: file.path, key: "long.wav")

        #expect(result.partsSent < 13)
        #expect(result.partsSent + saved.parts.count >= 13)
        let checksum = try #require(result.checksum)
        #expect(checksum.confirmed)
        #expect(checksum.value.hasSuffix("-13"))
        let key = storage.prefix + "long.wav"
        #expect(try await AWSCLI.checksums(bucket: moto.bucket, key: key)["ChecksumCRC32C"].map { $0 + "-13" } == checksum.value)
        #expect(try await AWSCLI.sha256(bucket: moto.bucket, key: key, in: dir.url) == file.sha256)
        #expect(states.saved == nil)
    }
}
