import Foundation
import Testing
@testable import Pipeline

/// The queue contract, run unchanged against SQLite and PostgreSQL.
struct QueueConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func migrationsRunOnceEvenWhenStartedTogether(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let others = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let store = try await openJobStore(url: test.url, poolSize: 1)
                    let applied = try await store.migrate()
                    await store.close()
                    return applied
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(others.allSatisfy { $0.isEmpty })
        let versions = try await test.rows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.int(0) }
        #expect(versions == Migrations.all(for: .sqlite).map(\.version))
                await test.store.close()
    }

    /// A database at 1, 2 and 5 (a branch's migration landed first) gets 3 and 4, in order,
    /// when they arrive, and nothing is applied twice.
    @Test(arguments: StoreKind.allCases)
    func missingMigrationsBelowTheLatestAreAppliedInOrder(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = try #require(test.store as? SQLJobStore)
        // Versions above every real one (the real schema grows: branches add 6, 7, 8, …).
        let base = (Migrations.all(for: store.backend.dialect).map(\.version).max() ?? 0) + 100
        func table(_ offset: Int) -> (version: Int, statements: [String]) {
            let version = base + offset
            return (version, ["CREATE TABLE gap_\(version) (id INTEGER)", "INSERT INTO gap_order (n, version) SELECT COUNT(*), \(version) FROM gap_order"])
        }
        _ = try await store.backend.single("CREATE TABLE gap_order (n INTEGER PRIMARY KEY, version INTEGER)", [])
        let existing = try await store.migrate()  // the real schema
        #expect(existing.isEmpty)
        #expect(try await store.migrate([table(9), table(7)]) == [base + 7, base + 9])
        #expect(try await store.migrate([table(9), table(8), table(6), table(7)]) == [base + 6, base + 8])
        let order = try await test.rows("SELECT version FROM gap_order ORDER BY n").map { try $0.int(0) }
        #expect(order == [7, 9, 6, 8].map { base + $0 })
        await test.store.close()
    }

    /// A version below the latest that arrives late (from a branch merged after the database
    /// was migrated): the runner still applies it.
    @Test(arguments: StoreKind.allCases)
    func aMissingVersionBelowTheLatestIsStillApplied(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = try #require(test.store as? SQLJobStore)
        let late = (version: 0, statements: ["CREATE TABLE late_arrival (x INTEGER)"])
        let applied = try await store.migrate(Migrations.all(for: store.backend.dialect) + [late])
        #expect(applied == [0])
        #expect(try await store.migrate(Migrations.all(for: store.backend.dialect) + [late]).isEmpty)
        let versions = try await test.rows("SELECT version FROM schema_migrations ORDER BY version").map { try $0.int(0) }
        #expect(versions == [0] + Migrations.all(for: store.backend.dialect).map(\.version))
        #expect(try await test.rows("SELECT COUNT(*) FROM late_arrival").first?.int(0) == 0)
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func enqueueIsIdempotentByUniqueKey(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let request = EnqueueRequest(workflow: "noop", input: try JSON(text: #"{"file":"a.mp3"}"#))
        let first = try await store.enqueue(request, source: "test")
        let second = try await store.enqueue(request, source: "test")
        var other = request
        other.queue = "media"
        let third = try await store.enqueue(other, source: "test")
        #expect(first.created && !second.created && third.created)
        #expect(first.jobID == second.jobID && first.jobID != third.jobID)
        #expect(try await store.eventTypes(first.jobID) == ["job.enqueued"])
        let job = try #require(try await store.job(first.jobID))
        #expect(job.status == .queued && job.attempts == 0 && job.maxAttempts == 3)
        #expect(try await store.counts()[.queued] == 2)
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func claimTakesPriorityThenRunAtAndRespectsQueuesAndSchedule(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let now = Date()
        let low = try await store.enqueue("noop", #"{"n":"low"}"#, priority: 0, runAt: now.addingTimeInterval(-10))
        let highLate = try await store.enqueue("noop", #"{"n":"high-late"}"#, priority: 5, runAt: now.addingTimeInterval(-1))
        let highEarly = try await store.enqueue("noop", #"{"n":"high-early"}"#, priority: 5, runAt: now.addingTimeInterval(-5))
        let future = try await store.enqueue("noop", #"{"n":"future"}"#, priority: 9, runAt: now.addingTimeInterval(3600))
        let elsewhere = try await store.enqueue("noop", #"{"n":"other"}"#, queue: "other", priority: 9)

        let first = try await store.claim(workerID: "w1", queues: ["default"], limit: 2)
        #expect(first.map(\.lease.jobID) == [highEarly, highLate])
        let second = try await store.claim(workerID: "w1", queues: ["default"], limit: 10)
        #expect(second.map(\.lease.jobID) == [low])
        #expect(try await store.job(future)?.status == .queued)
        let other = try await store.claim(workerID: "w2", queues: ["other"], limit: 10)
        #expect(other.map(\.lease.jobID) == [elsewhere])
        let started = try #require(try await store.events(of: highEarly).last)
        #expect(started.type == "job.started" && started.source == "w1")
        #expect(try await store.job(highEarly)?.lockedBy == "w1")
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsNeverHandOutAJobTwice(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind, poolSize: 8)
        let store = test.store
        for i in 0..<60 { _ = try await store.enqueue("noop", #"{"i":\#(i)}"#) }
        let claimed = try await withThrowingTaskGroup(of: [UUID].self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var mine: [UUID] = []
                    while true {
                        let batch = try await store.claim(workerID: "w\(worker)", queues: ["default"], limit: 3)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.lease.jobID)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 60)
        #expect(Set(claimed).count == 60)
        await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func aRescuedJobFencesOutItsFormerWorker(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = test.store
        let id = try await store.enqueue("noop", "{}")
        let old = try #require(try await store.claim(workerID: "old", queues: ["default"], limit: 1).first)
        try await store.startStep(old.lease, name: "noop", index: 0)
        try await Task.sleep(for: .milliseconds(30))
        #expect(try await store.rescueStale(olderThan: .milliseconds(10), source: "rescuer:new") == [id])
        let new = try #require(try await store.claim(workerID: "new", queues: ["default"], limit: 1).first)
        #expect(new.attempt == 2 && new.lease.token != old.lease.token)

        await #expect(throws: StoreError.self) {
            try await store.completeStep(old.lease, name: "noop", output: .emptyObject,
                                         progress: Progress(stepsDone: 1, stepsTotal: 1, fraction: 1))
        }
        await #expect(throws: StoreError.self) { try await store.completeJob(old.lease, output: .emptyObject) }
        #expect(try await store.heartbeat([old.lease, new.lease]) == [old.lease])

        try await store.startStep(new.lease, name: "noop", index: 0)
        try await store.completeStep(new.lease, name: "noop", output: try JSON(text: #"{"ok":true}"#),
                                     progress: Progress(stepsDone: 1, stepsTotal: 1, fraction: 1))
        try await store.completeJob(new.lease, output: try JSON(text: #"{"ok":true}"#))
        let job = try #require(try await store.job(id))
        #expect(job.status == .succeeded && job.progress == 1 && job.stepsDone == 1)
        let events = try await store.events(of: id)
        #expect(events.map(\.type) == ["job.enqueued", "job.started", "step.started", "job.rescued", "job.started",
                                       "step.started", "step.succeeded", "job.succeeded"])
        #expect(events.first { $0.type == "job.rescued" }?.source == "rescuer:new")
        #expect(events.filter { $0.type == "step.succeeded" }.map(\.source) == ["new"])
        #expect(events.filter { $0.type.hasPrefix("step.") }.allSatisfy { $0.step == "noop" })
        let steps = try await store.steps(of: id)
        #expect(steps.count == 1 && steps[0].attempts == 2 && steps[0].status == .succeeded)
        #expect(steps[0].output?.contains("true") == true)
        await store.close()
    }
}
