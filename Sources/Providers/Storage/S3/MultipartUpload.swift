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

    var client: S3Client { storage.client }
    var objectKey: String { storage.objectKey(key) }
    var uri: String { storage.uri(for: key) }

    /// Uploads what is missing; returns the number of parts sent by this call.
    func run() async throws -> Int {
        var state: MultipartUploadState
        if let resumed = try await resumableState() {
            state = resumed
        } else {
            state = try await createUpload()
        }
        let ranges = Self.partRanges(size: size, partSize: state.partSize)
        let missing = ranges.filter { state.parts[$0.number] == nil }
        storage.logger.info(
            "multipart upload", metadata: [
                "key": "\(objectKey)", "parts": "\(ranges.count)", "missing": "\(missing.count)",
            ])
        let ledger = PartLedger(state: state, store: storage.stateStore, source: source, logger: storage.logger)
        do {
            try await sendParts(missing, uploadID: state.uploadID, ledger: ledger)
            state = await ledger.state
            try await complete(state)
        } catch let error where Self.isPermanent(error) {
            storage.logger.info("aborting multipart upload", metadata: ["key": "\(objectKey)", "error": "\(error)"])
            try? await client.abortMultipartUpload(key: objectKey, uploadID: state.uploadID)
            try? await storage.stateStore.remove(uri: uri, source: source)
            throw error
        }
        try? await storage.stateStore.remove(uri: uri, source: source)
        return missing.count
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
        let listed: [S3XML.Part]
        do {
            listed = try await client.listParts(key: objectKey, uploadID: saved.uploadID)
        } catch let error as ProviderError where error.status == 404 || error.code == "NoSuchUpload" {
            return nil
        }
        let expected = Dictionary(uniqueKeysWithValues: Self.partRanges(size: size, partSize: saved.partSize).map {
            ($0.number, $0.length)
        })
        var state = saved
        state.parts = [:]
        for part in listed where expected[part.number] == part.size {
            if let mine = saved.parts[part.number], Self.stripQuotes(mine) != Self.stripQuotes(part.etag) { continue }
            state.parts[part.number] = part.etag
        }
        return state
    }

    private func createUpload() async throws -> MultipartUploadState {
        let uploadID = try await client.createMultipartUpload(key: objectKey, headers: headers)
        let state = MultipartUploadState(
            uri: uri, uploadID: uploadID, partSize: Self.partSize(for: size, configured: storage.configuration.partSize),
            size: size, sha256: sha256)
        try? await storage.stateStore.save(state, source: source)
        return state
    }

    /// Bounded fan-out: fill the group up to the limit, then start one part per finished one.
    private func sendParts(_ parts: [PartRange], uploadID: String, ledger: PartLedger) async throws {
        let limit = storage.configuration.concurrency
        let signPayload = storage.configuration.signPayload
        let (client, objectKey, source) = (client, objectKey, source)
        try await withBoundedFanOut(parts, limit: limit) { part in
            let hash = signPayload
                ? try await runOnDedicatedThread(name: "storage") {
                    try FileDigest.sha256(path: source, offset: part.offset, length: part.length).hex
                } : SigV4Signer.unsignedPayload
            let etag = try await client.uploadPart(
                key: objectKey, uploadID: uploadID, number: part.number, path: source, offset: part.offset,
                length: part.length, payloadHash: hash)
            await ledger.record(part: part.number, etag: etag)
        }
    }

    /// Completes, retrying an `<Error>` S3 calls transient (InternalError, SlowDown) that came
    /// with a 200; an upload S3 no longer knows counts as done if the object is already there.
    private func complete(_ state: MultipartUploadState) async throws {
        let parts = state.parts.map { (number: $0.key, etag: $0.value) }.sorted { $0.number < $1.number }
        var attempt = 0
        while true {
            attempt += 1
            do {
                _ = try await client.completeMultipartUpload(key: objectKey, uploadID: state.uploadID, parts: parts)
                return
            } catch let error as ProviderError {
                if error.code == "NoSuchUpload", let info = try? await client.head(key: objectKey),
                    info.sha256 == sha256, info.size == size
                {
                    return
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
