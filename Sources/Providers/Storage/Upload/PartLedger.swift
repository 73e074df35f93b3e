import Logging

/// Records finished parts of one multipart upload and saves the state after each, one save at a
/// time: while a save runs, newer parts mark the state dirty and the loop saves again, so the
/// last save always holds every part recorded. A failing store is logged, not fatal: the upload
/// goes on, it just cannot be resumed as far.
actor PartLedger {
    private(set) var state: MultipartUploadState
    private let store: any UploadStateStore
    private let source: String
    private let logger: Logger
    private var saving = false
    private var dirty = false

    init(state: MultipartUploadState, store: any UploadStateStore, source: String, logger: Logger) {
        self.state = state
        self.store = store
        self.source = source
        self.logger = logger
    }

    func record(part number: Int, etag: String, checksum: String?) async {
        state.parts[number] = etag
        state.checksums[number] = checksum
        dirty = true
        guard !saving else { return }
        saving = true
        while dirty {
            dirty = false
            do {
                try await store.save(state, source: source)
            } catch {
                logger.info("cannot save upload state", metadata: ["uri": "\(state.uri)", "error": "\(error)"])
            }
        }
        saving = false
    }
}
