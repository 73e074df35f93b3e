import Foundation

extension SQLJobStore {
    func cancel(jobID: UUID, source: String) async throws -> ControlOutcome {
        try await backend.transaction(write: true) { c in
            let current = try Self.status(c, jobID, "cancel")
            guard [.queued, .retrying, .running].contains(current) else { return .notApplicable(current) }
            try c.query(
                """
                UPDATE jobs SET status = 'cancelled', locked_by = NULL, heartbeat_at = NULL, finished_at = {now},
                  updated_at = {now} WHERE id = $1
                """,
                .uuid(jobID))
            try Self.event(c, job: jobID, type: "job.cancelled", source: source,
                           payload: jsonObject(["previous_status": current.rawValue]))
            return .done(from: current)
        }
    }

    func retry(jobID: UUID, source: String) async throws -> ControlOutcome {
        let backend = self.backend
        return try await backend.transaction(write: true) { c in
            let current = try Self.status(c, jobID, "retry")
            guard current == .dead || current == .cancelled else { return .notApplicable(current) }
            let rows = try c.query(
                """
                UPDATE jobs SET status = 'queued', attempts = 0, run_at = {now}, finished_at = NULL, updated_at = {now}
                WHERE id = $1 RETURNING queue
                """,
                .uuid(jobID))
            try Self.event(c, job: jobID, type: "job.redriven", source: source,
                           payload: jsonObject(["previous_status": current.rawValue]))
            try backend.notifyWork(c, queue: rows.first?.string(0) ?? "default")
            return .done(from: current)
        }
    }

    static func status(_ c: any SQLConnection, _ jobID: UUID, _ operation: String) throws -> JobStatus {
        let rows = try c.query("SELECT status FROM jobs WHERE id = $1", .uuid(jobID))
        guard let row = rows.first, let status = try row.value(0, as: JobStatus.self) as JobStatus? else {
            throw StoreError(.notFound, operation, "no job \(jobID.uuidString.lowercased())")
        }
        return status
    }

    // MARK: Reads

    func job(_ id: UUID) async throws -> Job? {
        try await backend.single("SELECT \(Self.jobColumns) FROM jobs WHERE id = $1", [.uuid(id)]).first.map(Self.job)
    }

    func steps(of jobID: UUID) async throws -> [StepRecord] {
        try await backend.single(
            "SELECT name, idx, status, attempts, output, error, started_at, finished_at FROM steps WHERE job_id = $1 ORDER BY idx, name",
            [.uuid(jobID)]
        ).map { r in
            try StepRecord(name: r.string(0), index: r.int(1), status: r.value(2, as: StepStatus.self),
                       attempts: r.int(3), output: r[4], error: r[5], startedAt: r.date(6), finishedAt: r.date(7))
        }
    }

    func events(of jobID: UUID) async throws -> [Event] {
        try await backend.single(
            "SELECT id, job_id, at, type, source, step, payload FROM events WHERE job_id = $1 ORDER BY id", [.uuid(jobID)]
        ).map { r in
            try Event(id: r.int64(0), jobID: r.uuid(1), at: r.date(2) ?? Date(timeIntervalSince1970: 0), type: r.string(3),
                  source: r.string(4), step: r[5], payload: r[6])
        }
    }

    func jobIDs(prefix: String, limit: Int) async throws -> [UUID] {
        // Only hex digits and dashes reach the pattern, so it holds no LIKE wildcard.
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return [] }
        return try await backend.single(
            "SELECT id FROM jobs WHERE CAST(id AS TEXT) LIKE $1 ORDER BY id LIMIT $2", [.text(prefix.lowercased() + "%"), .int(limit)]
        ).map { try $0.uuid(0) }
    }

    func jobs(status: JobStatus?, limit: Int) async throws -> [Job] {
        let rows: [Row]
        if let status {
            rows = try await backend.single(
                "SELECT \(Self.jobColumns) FROM jobs WHERE status = $1 ORDER BY created_at DESC, id LIMIT $2",
                [.text(status.rawValue), .int(limit)])
        } else {
            rows = try await backend.single(
                "SELECT \(Self.jobColumns) FROM jobs ORDER BY created_at DESC, id LIMIT $1", [.int(limit)])
        }
        return try rows.map(Self.job)
    }

    func counts() async throws -> [JobStatus: Int] {
        var counts: [JobStatus: Int] = [:]
        for row in try await backend.single("SELECT status, COUNT(*) FROM jobs GROUP BY status", []) {
            counts[try row.value(0, as: JobStatus.self)] = try row.int(1)
        }
        return counts
    }

    func assets(of jobID: UUID) async throws -> [Asset] {
        try await backend.single(
            "SELECT job_id, step, kind, uri, bytes, sha256, content_type, meta FROM assets WHERE job_id = $1 ORDER BY created_at, uri",
            [.uuid(jobID)]
        ).map { r in
            try Asset(jobID: r.uuid(0), step: r.string(1), kind: r.string(2), uri: r.string(3), bytes: r.int64(4),
                  sha256: r.string(5), contentType: r.string(6), meta: JSON(unchecked: r.string(7)))
        }
    }

    // MARK: Uploads

    func saveUpload(_ upload: UploadState) async throws {
        let parts = try JSON(encoding: upload.parts).text
        _ = try await backend.single(
            """
            INSERT INTO uploads (uri, job_id, upload_id, part_size, parts, size, sha256, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, {now}, {now})
            ON CONFLICT (uri) DO UPDATE SET job_id = excluded.job_id, upload_id = excluded.upload_id,
              part_size = excluded.part_size, parts = excluded.parts, size = excluded.size, sha256 = excluded.sha256,
              updated_at = {now}
            """,
            [.text(upload.uri), upload.jobID.map { .uuid($0) } ?? .null, .text(upload.uploadID),
             .int(upload.partSize), .text(parts), upload.size.map { .int($0) } ?? .null, .optional(upload.sha256)])
    }

    func upload(uri: String) async throws -> UploadState? {
        guard let r = try await backend.single(
            "SELECT uri, job_id, upload_id, part_size, parts, size, sha256 FROM uploads WHERE uri = $1", [.text(uri)]).first
        else { return nil }
        let parts = try JSON(unchecked: r.string(4)).decode([UploadState.Part].self)
        return try UploadState(uri: r.string(0), jobID: r[1].flatMap(UUID.init(uuidString:)), uploadID: r.string(2),
                           partSize: r.int64(3), parts: parts, size: r[5].flatMap { Int64($0) }, sha256: r[6])
    }

    func deleteUpload(uri: String) async throws {
        _ = try await backend.single("DELETE FROM uploads WHERE uri = $1", [.text(uri)])
    }
}
