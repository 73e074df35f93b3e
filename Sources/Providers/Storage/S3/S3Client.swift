import Foundation
import Logging

/// The S3 REST calls `S3Storage` is built from, each signed with SigV4 and sent through the
/// shared transport (`ProviderHTTP`: retries for 5xx/`SlowDown`/dropped connections honouring
/// `Retry-After`, the per-provider limiter, errors as `ProviderError` with S3's `Code`).
struct S3Client: Sendable {
    let configuration: S3Configuration
    let bucket: String
    let http: ProviderHTTP
    let signer: SigV4Signer

    init(configuration: S3Configuration, bucket: String, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.bucket = bucket
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        let secrets = [configuration.credentials.secretAccessKey] + (configuration.credentials.sessionToken.map { [$0] } ?? [])
        http = ProviderHTTP(
            provider: "s3", client: client,
            limiter: ProviderLimiter(.init(maxConcurrent: configuration.concurrency)),
            retry: configuration.retry, logger: logger, secrets: secrets,
            requestIDHeaders: ["x-amz-request-id"],
            parseError: { response in
                guard let body = S3ErrorBody.parse(response.body) else { return ErrorBodyDetails() }
                return ErrorBodyDetails(code: body.code, message: body.message)
            })
    }

    /// Signs and sends one request; returns only 2xx responses.
    /// - Throws: `ProviderError`.
    func send(
        _ method: String, key: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: HTTPBody = .none,
        payloadHash: String = SigV4Signer.emptyPayloadHash, response: ResponseDestination = .memory(limit: 16 << 20),
        timeout: Duration = .seconds(60), idempotent: Bool = true, operation: String
    ) async throws -> HTTPResponse {
        let target = configuration.endpoint.target(bucket: bucket, key: key)
        let signed = signer.signS3(
            method: method, canonicalURI: target.canonicalURI, query: query,
            headers: [(name: "Host", value: target.hostHeader)] + headers, payloadHash: payloadHash)
        var httpHeaders = HTTPHeaders()
        for field in signed { httpHeaders.add(field.name, field.value) }
        let queryString = SigV4Signer.canonicalQuery(query)
        let request = HTTPRequest(
            method: method, url: target.url + (queryString.isEmpty ? "" : "?" + queryString), headers: httpHeaders,
            body: body, response: response, connectTimeout: configuration.connectTimeout, timeout: timeout,
            isIdempotent: idempotent)
        return try await http.send(request, operation: operation)
    }

    /// A time limit for sending `bytes`: a minute plus 256 KiB/s, so slow links still finish.
    static func timeout(forBytes bytes: Int64) -> Duration { .seconds(60 + Double(bytes) / 262_144) }

    /// `x-amz-meta-*` and `Content-Type` headers.
    /// - Throws: `StorageError.invalidKey`-style configuration errors for metadata S3 cannot carry.
    static func objectHeaders(contentType: String, metadata: [String: String]) throws -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [(name: "Content-Type", value: contentType)]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let lower = name.lowercased()
            guard !lower.isEmpty, lower.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
                value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
            else { throw StorageError.invalidConfiguration("metadata \"\(name)\" must be an ASCII token with a printable ASCII value") }
            headers.append((name: "x-amz-meta-\(lower)", value: value))
        }
        return headers
    }

    /// `x-amz-checksum-<name>` (and `x-amz-sdk-checksum-algorithm`, which moto needs to keep
    /// the value) for a part or a single PUT.
    static func checksumHeaders(_ checksum: (algorithm: ChecksumAlgorithm, value: String)?) -> [(name: String, value: String)] {
        guard let checksum else { return [] }
        return [
            (name: checksum.algorithm.headerName, value: checksum.value),
            (name: "x-amz-sdk-checksum-algorithm", value: checksum.algorithm.rawValue),
        ]
    }

    /// User metadata from response headers, names lowercased without `x-amz-meta-`.
    static func metadata(from headers: HTTPHeaders) -> [String: String] {
        var result: [String: String] = [:]
        for field in headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            result[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        return result
    }

    // MARK: Objects

    /// HeadObject; nil for 404 (HEAD errors carry no body).
    func head(key: String) async throws -> ObjectInfo? {
        do {
            let response = try await send("HEAD", key: key, operation: "HeadObject")
            return ObjectInfo(
                key: key, size: response.headers["Content-Length"].flatMap(Int64.init) ?? 0,
                contentType: response.headers["Content-Type"], metadata: Self.metadata(from: response.headers))
        } catch var error as ProviderError {
            if error.status == 404 { return nil }
            if error.message == nil, let status = error.status {
                // HEAD answers carry no body, so say what the status means here.
                error.message = status == 403 ? "access denied (wrong key or secret, or no permission)" : "HeadObject failed"
            }
            throw error
        }
    }

    /// The additional checksum S3 keeps for the object (HeadObject with
    /// `x-amz-checksum-mode: ENABLED`); nil when it reports none for `algorithm`.
    func checksum(key: String, algorithm: ChecksumAlgorithm) async throws -> String? {
        let response = try await send(
            "HEAD", key: key, headers: [(name: "x-amz-checksum-mode", value: "ENABLED")], operation: "HeadObject")
        return response.headers[algorithm.headerName].flatMap { $0.isEmpty ? nil : $0 }
    }

    func delete(key: String) async throws {
        do {
            _ = try await send("DELETE", key: key, operation: "DeleteObject")
        } catch let error as ProviderError where error.status == 404 {
            return
        }
    }

    /// Every key (and size) under `prefix`, following continuation tokens.
    func listObjects(prefix: String) async throws -> [(key: String, size: Int64)] {
        var all: [(key: String, size: Int64)] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: "", query: query, operation: "ListObjectsV2")
            guard let page = S3XML.objects(fromListObjectsV2: response.body) else {
                throw ProviderError(.invalidResponse, provider: "s3", message: "unreadable ListObjectsV2 answer")
            }
            all += page.objects
            token = page.continuationToken
        } while token != nil
        return all
    }

    /// Uploads in progress under `prefix` (ListMultipartUploads), following markers.
    func listMultipartUploads(prefix: String) async throws -> [S3XML.Upload] {
        var all: [S3XML.Upload] = []
        var markers: (key: String, uploadID: String)?
        repeat {
            var query: [(name: String, value: String)] = [("uploads", ""), ("prefix", prefix)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.uploadID)] }
            let response = try await send("GET", key: "", query: query, operation: "ListMultipartUploads")
            guard let page = S3XML.uploads(fromListMultipartUploads: response.body) else {
                throw ProviderError(.invalidResponse, provider: "s3", message: "unreadable ListMultipartUploads answer")
            }
            all += page.uploads
            markers = page.nextMarkers
        } while markers != nil
        return all
    }
}
