import Foundation
import MediaCore
import Logging

/// Object storage in an S3-compatible bucket (AWS, MinIO, Ceph, R2, moto) under a key prefix.
///
/// - `put(file:)` reads the file once to hash it (SHA-256, streamed) and compute each part's
///   additional checksum (CRC32C by default), skips the upload when the key already holds that
///   SHA-256 (HeadObject, `x-amz-meta-sha256`; ETags are never used as checksums), then sends
///   one PutObject, or a multipart upload above `multipartThreshold` with parts in parallel,
///   resumable through `stateStore`, whose composite checksum is checked at Complete.
/// - Files are streamed from disk by the transport; nothing is loaded whole.
/// - Failures are `ProviderError`s (provider `s3`, S3's `Code`, `RequestId`) or `StorageError`s.
package struct S3Storage: ObjectStorage {
    package let configuration: S3Configuration
    package let bucket: String
    /// Prepended to every key (`jobs/…` lands at `<prefix>/jobs/…`); empty or ending in `/`.
    package let prefix: String
    package let stateStore: any UploadStateStore
    let client: S3Client
    let logger: Logger

    package init(
        configuration: S3Configuration, bucket: String, prefix: String = "",
        stateStore: any UploadStateStore = NoUploadStateStore(), httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "storage.s3")
    ) {
        self.configuration = configuration
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.stateStore = stateStore
        self.logger = logger
        client = S3Client(configuration: configuration, bucket: bucket, client: httpClient, logger: logger)
    }

    /// The full object key of `key` (prefix applied).
    func objectKey(_ key: String) -> String { prefix + key }

    package func uri(for key: String) -> String { "s3://\(bucket)/\(objectKey(key))" }

    package func presignedURL(method: String, key: String, headers: [(name: String, value: String)], expires: Duration) throws -> String? {
        try ObjectKey.validate(key)
        let signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        return signer.presignS3(method: method, target: configuration.endpoint.target(bucket: bucket, key: objectKey(key)),
                                headers: headers, expires: expires)
    }

    package func put(file path: String, key: String, options: PutOptions) async throws -> PutResult {
        try ObjectKey.validate(key)
        // One pass over the file: the SHA-256 (skip logic, metadata) and each part's checksum.
        let configuration = configuration
        let planned = try FileChecksums.size(of: path)
        let threshold = configuration.multipartThreshold ?? configuration.partSize
        let segment = planned <= threshold ? planned : MultipartUpload.partSize(for: planned, configured: configuration.partSize)
        let digest = try await runOnDedicatedThread(name: "storage") {
            try FileChecksums.compute(
                path: path, expectedSize: planned, segmentLength: segment, algorithm: configuration.checksumAlgorithm)
        }
        let (sha256, size) = (digest.sha256, digest.size)
        if options.skipIfIdentical, let existing = try await client.head(key: objectKey(key)),
            existing.sha256 == sha256, existing.size == size
        {
            try? await stateStore.remove(uri: uri(for: key), source: path)
            return PutResult(key: key, outcome: .skippedIdentical, bytes: size, sha256: sha256, partsSent: 0)
        }
        let headers = try objectHeaders(key: key, sha256: sha256, options: options)
        if size <= threshold {
            var checksum: ObjectChecksum?
            if let algorithm = configuration.checksumAlgorithm {
                let value = try await digest.algorithm == algorithm && digest.parts.count == 1
                    ? digest.parts[0]
                    : runOnDedicatedThread(name: "storage") {
                        try FileChecksums.checksum(path: path, offset: 0, length: size, algorithm: algorithm)
                    }
                checksum = ObjectChecksum(algorithm: algorithm, value: value, confirmed: false)
            }
            _ = try await client.send(
                "PUT", key: objectKey(key), headers: headers + S3Client.checksumHeaders(checksum.map { ($0.algorithm, $0.value) }),
                body: .file(path: path, offset: 0, length: size), payloadHash: sha256,
                timeout: S3Client.timeout(forBytes: size), operation: "PutObject")
            return PutResult(key: key, outcome: .uploaded, bytes: size, sha256: sha256, partsSent: 1, checksum: checksum)
        }
        let sent = try await MultipartUpload(
            storage: self, key: key, source: path, size: size, sha256: sha256, headers: headers, checksums: digest
        ).run()
        return PutResult(
            key: key, outcome: .uploaded, bytes: size, sha256: sha256, partsSent: sent.partsSent, checksum: sent.checksum)
    }

    package func put(bytes: Data, key: String, options: PutOptions) async throws -> PutResult {
        try ObjectKey.validate(key)
        let sha256 = FileDigest.sha256(bytes)
        let size = Int64(bytes.count)
        if options.skipIfIdentical, let existing = try await client.head(key: objectKey(key)),
            existing.sha256 == sha256, existing.size == size
        {
            return PutResult(key: key, outcome: .skippedIdentical, bytes: size, sha256: sha256, partsSent: 0)
        }
        let checksum = configuration.checksumAlgorithm.map {
            ObjectChecksum(algorithm: $0, value: $0.checksum(of: bytes), confirmed: false)
        }
        _ = try await client.send(
            "PUT", key: objectKey(key),
            headers: try objectHeaders(key: key, sha256: sha256, options: options)
                + S3Client.checksumHeaders(checksum.map { ($0.algorithm, $0.value) }),
            body: .bytes(bytes), payloadHash: sha256, timeout: S3Client.timeout(forBytes: size), operation: "PutObject")
        return PutResult(key: key, outcome: .uploaded, bytes: size, sha256: sha256, partsSent: 1, checksum: checksum)
    }

    package func head(key: String) async throws -> ObjectInfo? {
        try ObjectKey.validate(key)
        return try await client.head(key: objectKey(key)).map { info in
            var info = info
            info.key = key
            return info
        }
    }

    package func get(key: String, to path: String) async throws {
        try ObjectKey.validate(key)
        let directory = (path as NSString).deletingLastPathComponent
        let temp = "\(directory.isEmpty ? "." : directory)/.\(UUID().uuidString).part"
        do {
            _ = try await client.send(
                "GET", key: objectKey(key), response: .file(path: temp), timeout: .seconds(3600), operation: "GetObject")
            try LocalFiles.rename(temp, to: path)
        } catch let error as ProviderError where error.status == 404 {
            unlink(temp)
            throw StorageError.notFound(key)
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Keys and sizes under `prefix`; metadata is left empty (ask `head` for it).
    package func list(prefix listPrefix: String) async throws -> [ObjectInfo] {
        try await client.listObjects(prefix: objectKey(listPrefix)).map {
            ObjectInfo(key: String($0.key.dropFirst(prefix.count)), size: $0.size)
        }.sorted { $0.key < $1.key }
    }

    package func delete(key: String) async throws {
        try ObjectKey.validate(key)
        try await client.delete(key: objectKey(key))
    }

    /// Multipart uploads in progress under `keyPrefix` (for operators and tests).
    package func uploadsInProgress(keyPrefix: String = "") async throws -> [(key: String, uploadID: String)] {
        try await client.listMultipartUploads(prefix: objectKey(keyPrefix)).map {
            (String($0.key.dropFirst(prefix.count)), $0.uploadID)
        }
    }

    private func objectHeaders(key: String, sha256: String, options: PutOptions) throws -> [(name: String, value: String)] {
        var metadata = Dictionary(
            options.metadata.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        metadata[ObjectKey.sha256MetadataName] = sha256
        return try S3Client.objectHeaders(contentType: options.contentType ?? ContentType.forPath(key), metadata: metadata)
    }
}
