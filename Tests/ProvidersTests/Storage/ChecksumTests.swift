import Basics
import Foundation
import MediaCore
import Testing

@testable import Providers

/// CRC-32 and CRC-32C against the published check values and against Python's zlib and the
/// `crc32c` package (an independent implementation); the single pass over a file against a
/// per-part computation by Python.
struct ChecksumTests {
    @Test func publishedCheckValues() {
        let check = Array("123456789".utf8)
        #expect(CRC32.checksum(of: check, .crc32c) == 0xE306_9283)
        #expect(CRC32.checksum(of: check, .crc32) == 0xCBF4_3926)
        #expect(CRC32.checksum(of: [UInt8](), .crc32c) == 0)
        // RFC 3720 B.4: 32 bytes of zeros and of 0xFF.
        #expect(CRC32.checksum(of: [UInt8](repeating: 0, count: 32), .crc32c) == 0x8A91_36AA)
        #expect(CRC32.checksum(of: [UInt8](repeating: 0xFF, count: 32), .crc32c) == 0x62A8_AB43)
        #expect(ChecksumAlgorithm.crc32c.checksum(of: Data(check)) == Data([0xE3, 0x06, 0x92, 0x83]).base64EncodedString())
    }

    @Test func randomDataMatchesPythonAtEveryLengthAndSplit() async throws {
        let dir = try TempDirectory()
        let file = try await dir.randomFile("r.bin", size: 1_000_003)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file.path))
        let python = try await Subprocess.run([
            "python3", "-c",
            "import sys, zlib, crc32c; d = open(sys.argv[1], 'rb').read()\n"
                + "for n in (0, 1, 7, 8, 9, 63, 1000, len(d)): print(crc32c.crc32c(d[:n]), zlib.crc32(d[:n]))",
            file.path,
        ])
        let expected = python.split(separator: "\n").map { $0.split(separator: " ").map { UInt32($0)! } }
        for (index, length) in [0, 1, 7, 8, 9, 63, 1000, bytes.count].enumerated() {
            #expect(CRC32.checksum(of: bytes.prefix(length), .crc32c) == expected[index][0], "CRC32C of \(length) bytes")
            #expect(CRC32.checksum(of: bytes.prefix(length), .crc32) == expected[index][1], "CRC32 of \(length) bytes")
        }
        // Fed in uneven pieces, the same value.
        var crc = CRC32(.crc32c)
        var offset = 0
        for piece in [3, 5, 1, 4096, 12345] + Array(repeating: 100_000, count: 10) where offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            crc.update(bytes[offset..<end])
            offset = end
        }
        crc.update(bytes[offset...])
        #expect(crc.value == expected.last![0])
    }

    @Test(arguments: ChecksumAlgorithm.allCases)
    func singlePassGivesTheSHA256AndEachPartsChecksum(algorithm: ChecksumAlgorithm) async throws {
        let dir = try TempDirectory()
        let partSize = 300_000
        let file = try await dir.randomFile("p.bin", size: 3 * partSize + 777)

        // A block size that does not divide the part size, so parts end inside blocks.
        let pass = try FileChecksums.compute(
            path: file.path, expectedSize: Int64(3 * partSize + 777), segmentLength: Int64(partSize), algorithm: algorithm,
            blockSize: 65_537)

        #expect(pass.sha256 == file.sha256)
        #expect(pass.size == Int64(3 * partSize + 777))
        let python = try await Subprocess.run([
            "python3", "-c",
            """
            import sys, zlib, crc32c, hashlib, base64
            d = open(sys.argv[1], 'rb').read(); n = int(sys.argv[2]); a = sys.argv[3]
            f = {'CRC32C': lambda b: crc32c.crc32c(b).to_bytes(4, 'big'), 'CRC32': lambda b: zlib.crc32(b).to_bytes(4, 'big'),
                 'SHA256': lambda b: hashlib.sha256(b).digest()}[a]
            parts = [f(d[i:i + n]) for i in range(0, len(d), n)]
            for p in parts: print(base64.b64encode(p).decode())
            print(base64.b64encode(f(b''.join(parts))).decode() + '-' + str(len(parts)))
            """,
            file.path, "\(partSize)", algorithm.rawValue,
        ])
        let lines = python.split(separator: "\n").map(String.init)
        #expect(pass.parts == Array(lines.dropLast()))
        #expect(algorithm.composite(ofParts: pass.parts) == lines.last)
        for (index, part) in pass.parts.enumerated() {
            let length = Int64(min(partSize, 3 * partSize + 777 - index * partSize))
            #expect(
                try FileChecksums.checksum(path: file.path, offset: Int64(index * partSize), length: length, algorithm: algorithm)
                    == part)
        }
    }

    @Test func fileOfAnotherSizeThanPlannedGetsNoPartChecksums() async throws {
        let dir = try TempDirectory()
        let file = try await dir.randomFile("q.bin", size: 10_000)

        let pass = try FileChecksums.compute(path: file.path, expectedSize: 9_999, segmentLength: 4_000, algorithm: .crc32c)

        #expect(pass.sha256 == file.sha256)
        #expect(pass.parts.isEmpty)
        #expect(pass.algorithm == nil)
    }

    @Test func statesSavedBeforeChecksumsStillLoad() throws {
        let old = #"{"parts":{"1":"\"e1\""},"partSize":5242880,"sha256":"ab","size":9,"uploadID":"u","uri":"s3://b/k"}"#
        let state = try JSONDecoder().decode(MultipartUploadState.self, from: Data(old.utf8))
        #expect(state.parts == [1: "\"e1\""])
        #expect(state.checksumAlgorithm == nil)
        #expect(state.checksums.isEmpty)
    }

    @Test func environmentChoosesTheAlgorithm() throws {
        let base = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"]
        #expect(try S3Configuration.fromEnvironment(base).checksumAlgorithm == .crc32c)
        #expect(try S3Configuration.fromEnvironment(base.merging(["S3_CHECKSUM_ALGORITHM": "crc32"]) { $1 }).checksumAlgorithm == .crc32)
        #expect(try S3Configuration.fromEnvironment(base.merging(["S3_CHECKSUM_ALGORITHM": "SHA256"]) { $1 }).checksumAlgorithm == .sha256)
        #expect(try S3Configuration.fromEnvironment(base.merging(["S3_CHECKSUM_ALGORITHM": "none"]) { $1 }).checksumAlgorithm == nil)
        #expect(throws: StorageError.self) {
            try S3Configuration.fromEnvironment(base.merging(["S3_CHECKSUM_ALGORITHM": "md5"]) { $1 })
        }
    }
}

/// Checksums against `fake_s3.py`, which checks them the way AWS documents (moto 5.2 checks none).
struct S3ChecksumFaultTests {
    @Test func partsCarryChecksumsAndTheCompositeIsConfirmed() async throws {
        let fake = try await FakeS3Server.start()
        let storage = try fake.storage(partSize: 64 << 10)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("c.bin", size: 3 * (64 << 10) + 5)

        let result = try await storage.put(file: file.path, key: "c.bin")

        let pass = try FileChecksums.compute(
            path: file.path, expectedSize: Int64(3 * (64 << 10) + 5), segmentLength: 64 << 10, algorithm: .crc32c)
        let composite = try #require(ChecksumAlgorithm.crc32c.composite(ofParts: pass.parts))
        #expect(composite.hasSuffix("-4"))
        #expect(result.checksum == ObjectChecksum(algorithm: .crc32c, value: composite, confirmed: true))
        // The fake refuses a Complete whose parts lack their checksums, so reaching here means they were listed.
        #expect(try await fake.log().filter { $0.op == "Complete" }.map(\.status) == ["200"])
    }

    @Test func partCorruptedOnTheWayIsRefusedAndTheUploadAborted() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "UploadPart", "part": 2, "kind": "corrupt", "times": 1]])
        let states = MemoryUploadStateStore()
        let storage = try fake.storage(partSize: 64 << 10, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("d.bin", size: 2 * (64 << 10) + 9)

        let error = try await #require(throws: ProviderError.self) {
            _ = try await storage.put(file: file.path, key: "d.bin")
        }

        #expect(error.status == 400)
        #expect(error.code == "BadDigest")
        let log = try await fake.log()
        #expect(log.filter { $0.op == "UploadPart" && $0.part == 2 }.map(\.status) == ["400"])
        #expect(log.filter { $0.op == "AbortMultipartUpload" }.count == 1)
        #expect(log.filter { $0.op == "Complete" }.isEmpty)
        #expect(try await storage.head(key: "d.bin") == nil)
        #expect(await states.states.isEmpty)
    }

    @Test func wrongCompositeAtCompleteDeletesTheObject() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "Complete", "kind": "wrongchecksum", "times": 1]])
        let states = MemoryUploadStateStore()
        let storage = try fake.storage(partSize: 64 << 10, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("e.bin", size: 2 * (64 << 10) + 9)

        let error = try await #require(throws: StorageError.self) {
            _ = try await storage.put(file: file.path, key: "e.bin")
        }

        #expect(error.isIntegrity)
        #expect(error.message.contains("CRC32C"))
        // Left in place, its sha256 metadata would make the next run skip the upload.
        #expect(try await storage.head(key: "e.bin") == nil)
        #expect(await states.states.isEmpty)
        // The next run uploads it again, and this time the checksum holds.
        let again = try await storage.put(file: file.path, key: "e.bin")
        #expect(again.outcome == .uploaded)
        #expect(again.checksum?.confirmed == true)
    }

    @Test func singlePutWhoseBytesDoNotMatchIsRefused() async throws {
        let fake = try await FakeS3Server.start()
        let storage = try fake.storage()
        let data = Data("hello, checksums".utf8)

        let result = try await storage.put(bytes: data, key: "h.txt")
        #expect(result.checksum?.value == ChecksumAlgorithm.crc32c.checksum(of: data))

        // The same request with another body than the checksum describes: refused by S3's rule.
        let wrong = try await #require(throws: ProviderError.self) {
            _ = try await storage.client.send(
                "PUT", key: "h2.txt", headers: S3Client.checksumHeaders((.crc32c, ChecksumAlgorithm.crc32c.checksum(of: data))),
                body: .bytes(Data("hello, checksumz".utf8)), payloadHash: SigV4Signer.unsignedPayload, operation: "PutObject")
        }
        #expect(wrong.code == "BadDigest")
        #expect(try await storage.head(key: "h2.txt") == nil)
    }

    /// A store that keeps neither the algorithm nor the part checksums (like the job store's
    /// `uploads` table): the resumed upload learns the algorithm from ListParts.
    @Test func resumeWithAStoreThatForgetsChecksumsStillCompletes() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "UploadPart", "part": 2, "kind": "slowdown", "times": 3]])
        let states = ForgetfulStateStore()
        let storage = try fake.storage(partSize: 64 << 10, stateStore: states)
        let dir = try TempDirectory()
        let file = try await dir.randomFile("f.bin", size: 3 * (64 << 10) + 1)
        _ = try? await storage.put(file: file.path, key: "f.bin")
        #expect(states.saved?.parts.isEmpty == false)

        let result = try await storage.put(file: file.path, key: "f.bin")

        #expect(result.partsSent < 4)
        #expect(result.checksum?.confirmed == true)
        #expect(try await fake.log().filter { $0.op == "CreateMultipartUpload" }.count == 1)
    }

    /// Resumed with another configured part size, the upload keeps the saved one: the single
    /// pass's checksums do not fit it, so each missing part's checksum is read on its own.
    @Test func resumeWithAnotherPartSizeComputesPartChecksumsOnTheWay() async throws {
        let fake = try await FakeS3Server.start()
        try await fake.inject([["op": "UploadPart", "part": 3, "kind": "slowdown", "times": 3]])
        let states = MemoryUploadStateStore()
        let dir = try TempDirectory()
        let file = try await dir.randomFile("g.bin", size: 4 * (64 << 10) + 3)
        _ = try? await fake.storage(partSize: 64 << 10, stateStore: states).put(file: file.path, key: "g.bin")
        let saved = try #require(await states.states.values.first)
        #expect(saved.checksumAlgorithm == "CRC32C")
        #expect(!saved.parts.isEmpty && saved.parts.count < 5)

        let result = try await fake.storage(partSize: 128 << 10, stateStore: states).put(file: file.path, key: "g.bin")

        let pass = try FileChecksums.compute(
            path: file.path, expectedSize: Int64(4 * (64 << 10) + 3), segmentLength: 64 << 10, algorithm: .crc32c)
        #expect(result.checksum == ObjectChecksum(algorithm: .crc32c, value: ChecksumAlgorithm.crc32c.composite(ofParts: pass.parts)!, confirmed: true))
        #expect(result.partsSent == 5 - saved.parts.count)
    }
}

/// Keeps upload states but drops the checksum fields, as a store without columns for them does.
/// A lock, not an actor, so a test can poll it from a Dispatch thread.
final class ForgetfulStateStore: UploadStateStore, @unchecked Sendable {
    private let lock = NSLock()
    private var state: MultipartUploadState?

    var saved: MultipartUploadState? { lock.withLock { state } }

    func load(uri: String, source: String) async -> MultipartUploadState? { saved }
    func save(_ state: MultipartUploadState, source: String) async {
        let kept = MultipartUploadState(
            uri: state.uri, uploadID: state.uploadID, partSize: state.partSize, size: state.size, sha256: state.sha256,
            parts: state.parts)
        lock.withLock { self.state = kept }
    }
    func remove(uri: String, source: String) async { lock.withLock { state = nil } }
}
