import Foundation
import Logging
import MediaCore

/// The checksum side of a multipart upload (see `MultipartUpload`'s comment).
extension MultipartUpload {
    /// The algorithm the upload was created with; `none` in the state means none.
    static func algorithm(of state: MultipartUploadState) -> ChecksumAlgorithm? {
        state.checksumAlgorithm.flatMap { ChecksumAlgorithm(name: $0) }
    }

    /// Kept parts whose checksum neither the state, ListParts nor the single pass gave (an
    /// upload resumed with another part size from a store that keeps no checksums): read here.
    func fillMissingChecksums(_ state: inout MultipartUploadState, ranges: [PartRange], algorithm: ChecksumAlgorithm)
        async throws
    {
        let source = source
        for range in ranges where state.parts[range.number] != nil && state.checksums[range.number] == nil {
            state.checksums[range.number] = try await runOnDedicatedThread(name: "storage") {
                try FileChecksums.checksum(path: source, offset: range.offset, length: range.length, algorithm: algorithm)
            }
        }
    }

    /// Compares the composite S3 reported (in Complete's answer, else from HeadObject with
    /// checksum mode) with the one computed from the parts sent. A mismatch deletes the object.
    func verify(
        expected: String, algorithm: ChecksumAlgorithm, parts: Int, reported: String?
    ) async throws -> ObjectChecksum {
        var reported = reported
        if reported == nil {
            reported = try? await client.checksum(key: objectKey, algorithm: algorithm)
        }
        guard let reported else {
            storage.logger.info(
                "the server reported no checksum for the completed upload",
                metadata: ["key": "\(objectKey)", "algorithm": "\(algorithm.rawValue)"])
            return ObjectChecksum(algorithm: algorithm, value: expected, confirmed: false)
        }
        // S3 answers `<value>-<parts>`; some servers leave the part count out.
        let matches = reported == expected || "\(reported)-\(parts)" == expected
        guard matches else {
            try? await client.delete(key: objectKey)
            throw StorageError.integrity(
                "\(uri): S3 reports \(algorithm.rawValue) \(reported) for the completed upload, "
                    + "but the parts sent make \(expected); the object was deleted")
        }
        return ObjectChecksum(algorithm: algorithm, value: expected, confirmed: true)
    }
}
