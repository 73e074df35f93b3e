import Foundation
import Providers

/// Keeps the state of multipart uploads in the job store's `uploads` table, so that a worker
/// started after one that was killed mid-upload sends only the parts that are missing.
struct JobStoreUploadStates: UploadStateStore {
    let store: any JobStore

    func load(uri: String, source: String) async throws -> MultipartUploadState? {
        guard let saved = try await store.upload(uri: uri), let size = saved.size, let sha256 = saved.sha256 else { return nil }
        return MultipartUploadState(uri: saved.uri, uploadID: saved.uploadID, partSize: saved.partSize, size: size, sha256: sha256,
                                    parts: Dictionary(saved.parts.map { ($0.number, $0.etag) }) { $1 })
    }

    func save(_ state: MultipartUploadState, source: String) async throws {
        try await store.saveUpload(UploadState(
            uri: state.uri, jobID: Self.jobID(in: state.uri), uploadID: state.uploadID, partSize: state.partSize,
            parts: state.parts.sorted { $0.key < $1.key }.map { UploadState.Part(number: $0.key, etag: $0.value) },
            size: state.size, sha256: state.sha256))
    }

    func remove(uri: String, source: String) async throws {
        try await store.deleteUpload(uri: uri)
    }

    /// The job of an output in DESIGN's layout (`…/jobs/<job_id>/…`), if the URI is one.
    static func jobID(in uri: String) -> UUID? {
        let parts = uri.split(separator: "/")
        guard let index = parts.firstIndex(of: "jobs"), index + 1 < parts.count else { return nil }
        return UUID(uuidString: String(parts[index + 1]))
    }
}
