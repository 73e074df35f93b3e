import Foundation

/// An S3 `<Error>` document (reference §5.5).
package struct S3ErrorBody: Sendable, Equatable {
    package var code: String
    package var message: String
    package var requestID: String?
    package var resource: String?

    package init(code: String, message: String, requestID: String? = nil, resource: String? = nil) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.resource = resource
    }

    /// Parses a body whose root element is `<Error>`; nil for anything else (success documents,
    /// HTML pages, empty bodies). Extra elements (`StringToSign`, `HostId`, …) are ignored, so
    /// nothing they carry can reach a log.
    package static func parse(_ data: Data) -> S3ErrorBody? {
        guard let root = XMLTree.parse(data), root.name == "Error" else { return nil }
        return S3ErrorBody(
            code: root.value("Code") ?? "", message: root.value("Message") ?? "",
            requestID: root.value("RequestId"), resource: root.value("Resource"))
    }

    /// Codes worth trying again after a pause: S3 says the service is busy or failed inside.
    package var isTransient: Bool {
        ["SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed"].contains(code)
    }
}

/// Answers of the multipart-upload and listing calls, parsed by child element names so that
/// root names that differ between S3 and compatibles (moto's `…Response`) do not matter.
package enum S3XML {
    /// `CreateMultipartUpload` → the upload id.
    package static func uploadID(fromInitiate data: Data) -> String? {
        guard let root = XMLTree.parse(data), root.name != "Error", let id = root.value("UploadId"), !id.isEmpty
        else { return nil }
        return id
    }

    /// One part listed by `ListParts`.
    package struct Part: Sendable, Equatable {
        package var number: Int
        /// As S3 sent it (quotes included).
        package var etag: String
        package var size: Int64
        /// Additional checksums S3 lists for the part, by algorithm (base64).
        package var checksums: [ChecksumAlgorithm: String] = [:]
    }

    package struct PartsPage: Sendable, Equatable {
        package var parts: [Part]
        /// Non-nil when more parts follow: pass it as `part-number-marker`.
        package var nextMarker: String?
        /// The upload's declared algorithm (`<ChecksumAlgorithm>`), when the server names it.
        package var checksumAlgorithm: String? = nil
    }

    package static func parts(fromListParts data: Data) -> PartsPage? {
        guard let root = XMLTree.parse(data), root.name != "Error" else { return nil }
        let parts = root.children("Part").compactMap { node -> Part? in
            guard let number = node.value("PartNumber").flatMap(Int.init), let etag = node.value("ETag") else {
                return nil
            }
            return Part(
                number: number, etag: etag, size: node.value("Size").flatMap(Int64.init) ?? 0,
                checksums: checksums(in: node))
        }
        let truncated = root.value("IsTruncated") == "true"
        return PartsPage(
            parts: parts, nextMarker: truncated ? root.value("NextPartNumberMarker") : nil,
            checksumAlgorithm: root.value("ChecksumAlgorithm").flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `<ChecksumCRC32C>`, `<ChecksumCRC32>`, `<ChecksumSHA256>` children of `node`.
    static func checksums(in node: XMLTree) -> [ChecksumAlgorithm: String] {
        var found: [ChecksumAlgorithm: String] = [:]
        for algorithm in ChecksumAlgorithm.allCases {
            if let value = node.value(algorithm.xmlElement), !value.isEmpty { found[algorithm] = value }
        }
        return found
    }

    /// One upload in progress listed by `ListMultipartUploads`.
    package struct Upload: Sendable, Equatable {
        package var key: String
        package var uploadID: String
    }

    package struct UploadsPage: Sendable, Equatable {
        package var uploads: [Upload]
        /// Non-nil when more uploads follow: pass as `key-marker` and `upload-id-marker`.
        package var nextMarkers: (key: String, uploadID: String)?

        package static func == (lhs: UploadsPage, rhs: UploadsPage) -> Bool {
            lhs.uploads == rhs.uploads && lhs.nextMarkers?.key == rhs.nextMarkers?.key
                && lhs.nextMarkers?.uploadID == rhs.nextMarkers?.uploadID
        }
    }

    package static func uploads(fromListMultipartUploads data: Data) -> UploadsPage? {
        guard let root = XMLTree.parse(data), root.name != "Error" else { return nil }
        let uploads = root.children("Upload").compactMap { node -> Upload? in
            guard let key = node.value("Key"), let id = node.value("UploadId") else { return nil }
            return Upload(key: key, uploadID: id)
        }
        var next: (String, String)?
        if root.value("IsTruncated") == "true" {
            next = (root.value("NextKeyMarker") ?? "", root.value("NextUploadIdMarker") ?? "")
        }
        return UploadsPage(uploads: uploads, nextMarkers: next)
    }

    /// What `CompleteMultipartUpload` answered, even with HTTP 200.
    package enum CompleteOutcome: Sendable, Equatable {
        case completed(etag: String)
        /// An `<Error>` document, possibly after a 200 status and keep-alive whitespace.
        case failed(S3ErrorBody)
        /// Neither: a body that is not XML or lacks the ETag. Treated as a failure.
        case unreadable
    }

    package static func complete(_ data: Data) -> CompleteOutcome {
        guard let root = XMLTree.parse(data) else { return .unreadable }
        if root.name == "Error" { return S3ErrorBody.parse(data).map { .failed($0) } ?? .unreadable }
        guard let etag = root.value("ETag"), !etag.isEmpty else { return .unreadable }
        return .completed(etag: etag)
    }

    /// The additional checksums in a `CompleteMultipartUpload` answer (`<ChecksumCRC32C>…-N`
    /// for a composite), by algorithm; empty when the server sent none (moto 5.2 does not).
    package static func completeChecksums(_ data: Data) -> [ChecksumAlgorithm: String] {
        guard let root = XMLTree.parse(data), root.name != "Error" else { return [:] }
        return checksums(in: root)
    }

    /// The `CompleteMultipartUpload` request body, parts in ascending order, each with its
    /// additional checksum (`<ChecksumCRC32C>`) when `algorithm` is given.
    package static func completeBody(
        parts: [(number: Int, etag: String)], checksums: [Int: String] = [:], algorithm: ChecksumAlgorithm? = nil
    ) -> Data {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"#
        xml += #"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
        for part in parts.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(XMLTree.escape(part.etag))</ETag>"
            if let algorithm, let checksum = checksums[part.number] {
                xml += "<\(algorithm.xmlElement)>\(XMLTree.escape(checksum))</\(algorithm.xmlElement)>"
            }
            xml += "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        return Data(xml.utf8)
    }

    /// One page of `ListObjectsV2`.
    package struct ObjectsPage: Sendable, Equatable {
        package var objects: [(key: String, size: Int64)]
        package var continuationToken: String?

        package static func == (lhs: ObjectsPage, rhs: ObjectsPage) -> Bool {
            lhs.objects.map(\.key) == rhs.objects.map(\.key) && lhs.objects.map(\.size) == rhs.objects.map(\.size)
                && lhs.continuationToken == rhs.continuationToken
        }
    }

    package static func objects(fromListObjectsV2 data: Data) -> ObjectsPage? {
        guard let root = XMLTree.parse(data), root.name != "Error" else { return nil }
        let objects = root.children("Contents").compactMap { node -> (key: String, size: Int64)? in
            guard let key = node.value("Key") else { return nil }
            return (key, node.value("Size").flatMap(Int64.init) ?? 0)
        }
        let truncated = root.value("IsTruncated") == "true"
        return ObjectsPage(objects: objects, continuationToken: truncated ? root.value("NextContinuationToken") : nil)
    }
}
