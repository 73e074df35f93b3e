import Foundation

/// The multipart-upload calls (reference §5.4).
extension S3Client {
    /// CreateMultipartUpload. Retried like an idempotent call: a duplicate only leaves an unused
    /// upload id behind, which is better than failing a long upload on a 503.
    func createMultipartUpload(key: String, headers: [(name: String, value: String)]) async throws -> String {
        let response = try await send(
            "POST", key: key, query: [("uploads", "")], headers: headers, operation: "CreateMultipartUpload")
        guard let id = S3XML.uploadID(fromInitiate: response.body) else {
            throw ProviderError(.invalidResponse, provider: "s3", message: "CreateMultipartUpload answer has no UploadId")
        }
        return id
    }

    /// UploadPart from a byte range of `path` with its additional checksum (S3 refuses a part
    /// whose bytes do not match it: `BadDigest`); returns the ETag exactly as sent by S3.
    func uploadPart(
        key: String, uploadID: String, number: Int, path: String, offset: Int64, length: Int64, payloadHash: String,
        checksum: (algorithm: ChecksumAlgorithm, value: String)? = nil
    ) async throws -> String {
        let response = try await send(
            "PUT", key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)],
            headers: [(name: "Content-Type", value: "application/octet-stream")] + Self.checksumHeaders(checksum),
            body: .file(path: path, offset: offset, length: length), payloadHash: payloadHash,
            timeout: Self.timeout(forBytes: length), operation: "UploadPart")
        guard let etag = response.headers["ETag"], !etag.isEmpty else {
            throw ProviderError(.invalidResponse, provider: "s3", message: "UploadPart answer has no ETag")
        }
        return etag
    }

    /// Every part S3 holds for the upload (ListParts, 1000 per page), and the checksum
    /// algorithm the upload declared when the server names it.
    func listParts(key: String, uploadID: String) async throws -> (parts: [S3XML.Part], checksumAlgorithm: String?) {
        var all: [S3XML.Part] = []
        var algorithm: String?
        var marker: String?
        repeat {
            var query: [(name: String, value: String)] = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let response = try await send("GET", key: key, query: query, operation: "ListParts")
            guard let page = S3XML.parts(fromListParts: response.body) else {
                throw ProviderError(.invalidResponse, provider: "s3", message: "unreadable ListParts answer")
            }
            all += page.parts
            algorithm = algorithm ?? page.checksumAlgorithm
            marker = page.nextMarker
        } while marker != nil
        return (all, algorithm)
    }

    /// CompleteMultipartUpload. The body is read even on HTTP 200, since S3 can fail after
    /// sending the status: an `<Error>` there becomes a `ProviderError` with its code.
    /// - Returns: the multipart ETag, and the additional checksums the answer carries.
    func completeMultipartUpload(
        key: String, uploadID: String, parts: [(number: Int, etag: String)], checksums: [Int: String] = [:],
        algorithm: ChecksumAlgorithm? = nil
    ) async throws -> (etag: String, checksums: [ChecksumAlgorithm: String]) {
        let body = S3XML.completeBody(parts: parts, checksums: checksums, algorithm: algorithm)
        let response = try await send(
            "POST", key: key, query: [("uploadId", uploadID)],
            headers: [(name: "Content-Type", value: "application/xml")], body: .bytes(body),
            payloadHash: FileDigest.sha256(body), timeout: .seconds(300), operation: "CompleteMultipartUpload")
        switch S3XML.complete(response.body) {
        case .completed(let etag):
            return (etag, S3XML.completeChecksums(response.body))
        case .failed(let error):
            throw ProviderError(
                .http, provider: "s3", status: response.status, code: scrub(error.code, secrets: http.secrets, maxLength: 120),
                message: scrub(error.message, secrets: http.secrets),
                requestID: error.requestID.map { scrub($0, secrets: http.secrets, maxLength: 120) })
        case .unreadable:
            throw ProviderError(
                .invalidResponse, provider: "s3", status: response.status,
                message: "CompleteMultipartUpload answer is neither a result nor an error")
        }
    }

    /// AbortMultipartUpload; an upload already gone is not an error.
    func abortMultipartUpload(key: String, uploadID: String) async throws {
        do {
            _ = try await send("DELETE", key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload")
        } catch let error as ProviderError where error.status == 404 {
            return
        }
    }
}
