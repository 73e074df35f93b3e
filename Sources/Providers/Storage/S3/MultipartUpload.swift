import Basics
import Foundation
import Logging
import MediaCore

/// One multipart upload of a file: resume or create, send the missing parts in parallel
/// (bounded), complete, and abort when the failure is permanent.
///
/// Resume: the saved state (upload id, part size, ETags) is used only when the file still has
/// the SHA-256 and size it had when the upload began. ListParts is then the truth for what S3
/// holds: a part listed with the expected size is kept (its content came from this same file,
/// under an upload id only this upload knows), and a part whose saved ETag differs from the
/// listed one is sent again.
///
/// Checksums: the upload declares the configured additional checksum (CRC32C by default) at
/// create, sends each part's checksum (from the single pass over the file that also computed
/// the SHA-256, or read per part when the part size changed), lists them at Complete, and
/// checks the composite S3 reports (in Complete's answer, else by HeadObject with checksum
/// mode) against the one computed here. A resumed upload keeps the algorithm it was created
/// with; a kept part whose listed checksum differs from the file's is sent again. A composite
/// that does not match means S3 holds other bytes: the object is deleted (its `sha256` metadata
/// would make the next run skip it) and the upload fails with `StorageError.integrity`.
///
/// Failure: a permanent error (4xx, `<Error>` in a Complete answer, an upload S3 no longer
/// knows) aborts the upload and forgets the state, so no orphan parts are left. Cancellation
/// and transient errors that outlived their retries keep both, so the next run resumes.
struct MultipartUpload {
    let storage: S3Storage
    let key: String
    let source: String
    let size: Int64
    let sha256: String
    let headers: [(name: String, value: String)]
    /// The single pass's part checksums (nil: computed per part when sent).
    let checksums: FileChecksums?

    var client: S3Client { storage.client }
    var objectKey: String { storage.objectKey(key) }
    var uri: String { storage.uri(for: key) }

    /// Uploads what is missing; returns the number of parts sent by this call and the
    /// object's additional checksum.
    func run() async throws -> (partsSent: Int, checksum: ObjectChecksum?) {
        var state: MultipartUploadState
        if let resumed = try await resumableState() {
            state = resumed
        } else {
            state = try await createUpload()
        }
        let ranges = Self.partRanges(size: size, partSize: state.partSize)
        let algorithm = Self.algorithm(of: state)
        // Checksums the single pass computed for this very part layout.
        var known: [String]?
        if let pass = checksums, let algorithm, pass.algorithm == algorithm, pass.segmentLength == state.partSize,
            pass.parts.count == ranges.count
        {
            known = pass.parts
        }
        if let known {
            // A kept part whose recorded checksum is not the file's own is sent again.
            for (number, checksum) in state.checksums where number > known.count || known[number - 1] != checksum {
                state.parts[number] = nil
            }
            for range in ranges where state.parts[range.number] != nil {
                state.checksums[range.number] = known[range.number - 1]
            }
        }
        let missing = ranges.filter { state.parts[$0.number] == nil }
        storage.logger.info(
            "multipart upload", metadata: [
                "key": "\(objectKey)", "parts": "\(ranges.count)", "missing": "\(missing.count)",
            ])
        let ledger = PartLedger(state: state, store: storage.stateStore, source: source, logger: storage.logger)
        let checksum: ObjectChecksum?
        do {
            try await sendParts(missing, uploadID: state.uploadID, algorithm: algorithm, known: known, ledger: ledger)
            state = await ledger.state
            if let algorithm { try await fillMissingChecksums(&state, ranges: ranges, algorithm: algorithm) }
            checksum = try await complete(state, algorithm: algorithm)
        } catch let error where Self.isPermanent(error) {
            storage.logger.info("aborting multipart upload", metadata: ["key": "\(objectKey)", "error": "\(error)"])
            try? await client.abortMultipartUpload(key: objectKey, uploadID: state.uploadID)
            try? await storage.stateStore.remove(uri: uri, source: source)
            throw error
        } catch let error as StorageError where error.isIntegrity {
            // Completed, then found wrong and deleted: nothing is left to resume.
            try? await storage.stateStore.remove(uri: uri, source: source)
            throw error
        }
        try? await storage.stateStore.remove(uri: uri, source: source)
        return (missing.count, checksum)
    }

    /// A byte range of the source sent as one part.
    struct PartRange: Sendable, Equatable {
        var number: Int
        var offset: Int64
        var length: Int64
    }

    /// Parts of `partSize` bytes, the last one shorter.
    static func partRanges(size: Int64, partSize: Int64) -> [PartRange] {
        stride(from: Int64(0), to: size, by: Int(partSize)).enumerated().map { index, offset in
            PartRange(number: index + 1, offset: offset, length: min(partSize, size - offset))
        }
    }

    /// The part size for `size` bytes: the configured one, grown if needed to stay within
    /// S3's 10 000 parts (rounded up to a MiB).
    static func partSize(for size: Int64, configured: Int64) -> Int64 {
        let needed = (size + 9_999) / 10_000
        guard needed > configured else { return configured }
        return (needed + (1 << 20) - 1) / (1 << 20) * (1 << 20)
    }

    private func resumableState() async throws -> MultipartUploadState? {
        guard let saved = try? await storage.stateStore.load(uri: uri, source: source) else { return nil }
        guard saved.sha256 == sha256, saved.size == size, saved.partSize > 0 else {
            storage.logger.info("source changed since the saved upload; starting over", metadata: ["key": "\(objectKey)"])
            try? await client.abortMultipartUpload(key: objectKey, uploadID: saved.uploadID)
            return nil
        }
        let listed: (parts: [S3XML.Part], checksumAlgorithm: String?)
        do {
            listed = try await client.listParts(key: objectKey, uploadID: saved.uploadID)
        } catch let error as ProviderError where error.status == 404 || error.code == "NoSuchUpload" {
            return nil
        }
        let expected = Dictionary(uniqueKeysWithValues: Self.partRanges(size: size, partSize: saved.partSize).map {
            ($0.number, $0.length)
        })
        var state = saved
        // A store that does not keep the algorithm (or an older state): ListParts names it on
        // S3; otherwise the parts' own checksums tell; otherwise it is the configured one,
        // which this code declared when it created the upload.
        if state.checksumAlgorithm == nil {
            state.checksumAlgorithm = listed.checksumAlgorithm
                ?? listed.parts.lazy.compactMap { $0.checksums.keys.first?.rawValue }.first
                ?? storage.configuration.checksumAlgorithm?.rawValue ?? "none"
        }
        let algorithm = Self.algorithm(of: state)
        state.parts = [:]
        state.checksums = [:]
        for part in listed.parts where expected[part.number] == part.size {
            if let mine = saved.parts[part.number], Self.stripQuotes(mine) != Self.stripQuotes(part.etag) { continue }
            state.parts[part.number] = part.etag
            // ListParts' checksum is the truth when the server lists one (S3 does, moto 5.2 does not).
            if let algorithm { state.checksums[part.number] = part.checksums[algorithm] ?? saved.checksums[part.number] }
        }
        return state
    }

    private func createUpload() async throws -> MultipartUploadState {
        let algorithm = storage.configuration.checksumAlgorithm
        let declare = algorithm.map { [(name: "x-amz-checksum-algorithm", value: $0.rawValue)] } ?? []
        let uploadID = try await client.createMultipartUpload(key: objectKey, headers: headers + declare)
        let state = MultipartUploadState(
            uri: uri, uploadID: uploadID, partSize: Self.partSize(for: size, configured: storage.configuration.partSize),
            size: size, sha256: sha256, checksumAlgorithm: algorithm?.rawValue ?? "none")
        try? await storage.stateStore.save(state, source: source)
        return state
    }

    /// Bounded fan-out: fill the group up to the limit, then start one part per finished one.
    private func sendParts(
        _ parts: [PartRange], uploadID: String, algorithm: ChecksumAlgorithm?, known: [String]?, ledger: PartLedger
    ) async throws {
        let limit = storage.configuration.concurrency
        let signPayload = storage.configuration.signPayload
        let (client, objectKey, source) = (client, objectKey, source)
        try await withBoundedFanOut(parts, limit: limit) { part in
            let hash = signPayload
                ? try await runOnDedicatedThread(name: "storage") {
                    try FileDigest.sha256(path: source, offset: part.offset, length: part.length).hex
                } : SigV4Signer.unsignedPayload
            var checksum: String?
            if let known {
                checksum = known[part.number - 1]
            } else if let algorithm {
                checksum = try await runOnDedicatedThread(name: "storage") {
                    try FileChecksums.checksum(path: source, offset: part.offset, length: part.length, algorithm: algorithm)
                }
            }
            let etag = try await client.uploadPart(
                key: objectKey, uploadID: uploadID, number: part.number, path: source, offset: part.offset,
                length: part.length, payloadHash: hash,
                checksum: checksum.flatMap { value in algorithm.map { ($0, value) } })
            await ledger.record(part: part.number, etag: etag, checksum: checksum)
        }
    }

    /// Completes, retrying an `<Error>` S3 calls transient (InternalError, SlowDown) that came
    /// with a 200; an upload S3 no longer knows counts as done if the object is already there.
    /// Then checks the composite checksum (see the type's comment).
    private func complete(_ state: MultipartUploadState, algorithm: ChecksumAlgorithm?) async throws -> ObjectChecksum? {
        let parts = state.parts.map { (number: $0.key, etag: $0.value) }.sorted { $0.number < $1.number }
        // Every part's checksum, or none at all (a part without one cannot be listed).
        let expected = algorithm.flatMap { algorithm -> String? in
            let sums = parts.compactMap { state.checksums[$0.number] }
            return sums.count == parts.count ? algorithm.composite(ofParts: sums) : nil
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await client.completeMultipartUpload(
                    key: objectKey, uploadID: state.uploadID, parts: parts,
                    checksums: expected == nil ? [:] : state.checksums, algorithm: expected == nil ? nil : algorithm)
                guard let algorithm, let expected else { return nil }
                return try await verify(
                    expected: expected, algorithm: algorithm, parts: parts.count, reported: answer.checksums[algorithm])
            } catch let error as ProviderError {
                if error.code == "NoSuchUpload", let info = try? await client.head(key: objectKey),
                    info.sha256 == sha256, info.size == size
                {
                    guard let algorithm, let expected else { return nil }
                    return try await verify(expected: expected, algorithm: algorithm, parts: parts.count, reported: nil)
                }
                let transient = error.isTransient || S3ErrorBody(code: error.code ?? "", message: "").isTransient
                guard transient, let wait = storage.configuration.retry.delay(afterAttempt: attempt, retryAfter: nil)
                else { throw error }
                try await Task.sleep(for: wait)
            }
        }
    }

    static func isPermanent(_ error: any Error) -> Bool {
        if let error = error as? ProviderError {
            switch error.kind {
            case .cancelled, .transport: return false
            case .http where error.status.map({ $0 >= 500 || $0 == 429 || $0 == 408 }) ?? false:
                // Server trouble that outlived the retries: keep the upload to resume later.
                return false
            default: return true
            }
        }
        if error is CancellationError { return false }
        if let error = error as? StorageError { return !error.isIntegrity }
        return false
    }

    static func stripQuotes(_ etag: String) -> String { etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
}
