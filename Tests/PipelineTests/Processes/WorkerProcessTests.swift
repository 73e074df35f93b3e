import Foundation
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// Real `runner worker` processes against the real PostgreSQL: exactly-once under concurrency,
/// a worker killed mid-job, a database restart, and graceful shutdown.
@Suite(.serialized)
struct WorkerProcessTests {
    @Test func fourWorkerProcessesRunTwoThousandJobsExactlyOnce() async throws {
        let test = try await TestStore.make(.postgres, poolSize: 8)
        let total = 2000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in 0..<8 {
                group.addTask {
                    for i in stride(from: slice, to: total, by: 8) { _ = try await test.store.enqueue("noop", #"{"i":\#(i)}"#) }
                }
            }
            try await group.waitForAll()
        }
        let workers = try (0..<4).map { _ in
            try RunnerProcess.worker(databaseURL: test.url, ["--concurrency", "8", "--exit-when-idle"])
        }
        for worker in workers {
            let status = try await worker.wait(timeout: .seconds(180))
            #expect(status == 0, "worker log: \(worker.log.suffix(2000))")
            // Heartbeats every 200 ms race completions all the time: none of that is a loss.
            #expect(!worker.log.contains("lost job"), "worker log: \(worker.log.suffix(2000))")
        }
        #expect(try await test.store.counts() == [.succeeded: total])
        #expect(try await test.rows("SELECT COUNT(*) FROM events WHERE type = 'job.rescued'").first?.int(0) == 0)
        // noop has no steps: a claim and a (batched) completion, no step rows, nothing else.
        #expect(try await test.rows("SELECT COUNT(*) FROM steps").first?.int(0) == 0)
        let types = try await test.rows("SELECT DISTINCT type FROM events ORDER BY type").map { try $0.string(0) }
        #expect(types == ["job.enqueued", "job.started", "job.succeeded"])
        for type in ["job.started", "job.succeeded"] {
            let row = try #require(try await test.rows(
                "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM events WHERE type = $1", [.text(type)]).first)
            #expect(try row.int(0) == total && row.int(1) == total, "\(type): \(row.values)")
        }
        let sources = try await test.rows("SELECT DISTINCT source FROM events WHERE type = 'job.succeeded'")
        #expect(sources.count >= 2, "jobs should be spread over the workers")
        await test.store.close()
    }

    @Test func aJobOfAKilledWorkerFinishesOnceOnAnother() async throws {
        let test = try await TestStore.make(.postgres)
        let effects = TestEnvironment.scratchDirectory().appendingPathComponent("effects.txt").path
        let id = try await test.store.enqueue("sleep", #"{"steps":3,"sleep_ms":1500,"effects_file":"\#(effects)"}"#)
        let flags = ["--concurrency", "1", "--rescue-after", "2s"]
        let first = try RunnerProcess.worker(databaseURL: test.url, flags)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await test.store.events(of: id).contains { $0.type == "step.started" && $0.step == "step2" }
        })
        first.signal(SIGKILL)
        let killedAt = Date()
        _ = try await first.wait(timeout: .seconds(5))
        let second = try RunnerProcess.worker(databaseURL: test.url, flags)
        #expect(try await eventually(timeout: .seconds(30)) { try await test.store.job(id)?.status == .succeeded })
        second.signal(SIGTERM)
        _ = try await second.wait(timeout: .seconds(10))

        let events = try await test.store.events(of: id)
        let rescued = try #require(events.first { $0.type == "job.rescued" })
        #expect(rescued.at.timeIntervalSince(killedAt) < 2 + 3, "rescued \(rescued.at.timeIntervalSince(killedAt)) s after the kill")
        let starts = events.filter { $0.type == "job.started" }.map(\.source)
        #expect(starts.count == 2 && starts[0] != starts[1])
        #expect(rescued.source == "rescuer:\(starts[1])")
        #expect(events.last?.type == "job.succeeded" && events.last?.source == starts[1])
        for step in ["step1", "step2", "step3"] {
            #expect(events.filter { $0.type == "step.succeeded" && $0.step == step }.count == 1)
        }
        let job8 = id.uuidString.lowercased()
        #expect(EngineTests.effects(effects) == ["\(job8) step1 1", "\(job8) step2 2", "\(job8) step3 2"])
        await test.store.close()
    }

    @Test func workersRideThroughADatabaseRestart() async throws {
        let cluster = try await TestCluster()
        let store = try await openJobStore(url: cluster.url, poolSize: 4)
        try await store.migrate()
        // About 6 s of work for 8 slots: long enough that the restart lands in the middle even
        // with batched completions.
        let total = 400
        for i in 0..<total { _ = try await store.enqueue("sleep", #"{"steps":2,"sleep_ms":60,"i":\#(i)}"#) }
        let workers = try (0..<2).map { _ in
            try RunnerProcess.worker(databaseURL: cluster.url, ["--concurrency", "4", "--rescue-after", "5s", "--exit-when-idle"])
        }
        #expect(try await eventually(timeout: .seconds(60)) { (try await store.counts()[.succeeded] ?? 0) >= 30 })
        let doneBeforeRestart = try await store.counts()[.succeeded] ?? 0
        try await cluster.restart()
        #expect(doneBeforeRestart < total, "the restart should come in the middle of the run")
        for worker in workers {
            let status = try await worker.wait(timeout: .seconds(120))
            #expect(status == 0, "worker log: \(worker.log.suffix(2000))")
        }
        #expect(try await StoreRetry.run { try await store.counts() } == [.succeeded: total])
        let sql = try #require(store as? SQLJobStore)
        let row = try #require(try await sql.backend.single(
            "SELECT COUNT(*), COUNT(DISTINCT job_id) FROM events WHERE type = 'job.succeeded'", []).first)
        #expect(try row.int(0) == total && row.int(1) == total)
        await store.close()
        await cluster.shutdown()
    }

    @Test func sigtermLetsShortJobsFinishAndReleasesTheRest() async throws {
        let test = try await TestStore.make(.postgres)
        let quick = try await test.store.enqueue("sleep", #"{"steps":1,"sleep_ms":600}"#)
        let slow = try await test.store.enqueue("sleep", #"{"steps":2,"sleep_ms":20000}"#)
        let worker = try RunnerProcess.worker(databaseURL: test.url, ["--concurrency", "2", "--shutdown-grace", "2s"])
        #expect(try await eventually(timeout: .seconds(30)) {
            let quickTypes = try await test.store.eventTypes(quick)
            let slowTypes = try await test.store.eventTypes(slow)
            return quickTypes.contains("step.started") && slowTypes.contains("step.started")
        })
        worker.signal(SIGTERM)
        let signalled = ContinuousClock.now
        let status = try await worker.wait(timeout: .seconds(15))
        #expect(status == 0, "worker log: \(worker.log.suffix(2000))")
        #expect(ContinuousClock.now - signalled < .seconds(8))

        #expect(try await test.store.job(quick)?.status == .succeeded)
        let released = try #require(try await test.store.job(slow))
        #expect(released.status == .queued && released.attempts == 0 && released.lockedBy == nil)
        let events = try await test.store.events(of: slow)
        let last = try #require(events.last)
        let started = try #require(events.first { $0.type == "job.started" })
        #expect(last.type == "job.released" && last.source == started.source && last.payload?.contains("shutdown") == true)
        await test.store.close()
    }
}
