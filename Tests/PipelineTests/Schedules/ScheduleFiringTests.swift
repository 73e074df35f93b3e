import Foundation
import Testing
@testable import Pipeline

/// Schedules fired through the store: catch-up after downtime on both stores, and exactly one
/// job per fire time with four `runner worker` processes firing the same schedule.
@Suite struct ScheduleFiringTests {
    /// A daily schedule at a time 11-13 hours away from now, so "the latest missed time" is
    /// never within the on-time grace whenever the test runs.
    static func dailySchedule(_ mode: CatchUp) throws -> (Schedule, latest: Date) {
        let hour = (Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour! + 12) % 24
        var schedule = Schedule(tenant: "acme", cron: "0 \(hour) * * *", timezone: "UTC", workflow: "noop", jobInput: #"{"from":"schedule"}"#,
                                catchUp: mode)
        let (expression, zone) = try schedule.parsed()
        let next = try #require(expression.next(after: Date(), in: zone))
        let latest = next.addingTimeInterval(-86_400)
        schedule.nextFireAt = latest.addingTimeInterval(-2 * 86_400)
        schedule.lastFiredAt = latest.addingTimeInterval(-3 * 86_400)
        return (schedule, latest)
    }

    @Test(arguments: StoreKind.allCases, [CatchUp.none, .last, .all])
    func catchUpAfterDowntime(_ kind: StoreKind, _ mode: CatchUp) async throws {
        let test = try await TestStore.make(kind)
        let store = try #require(test.store as? any TriggerStore)
        let (schedule, latest) = try Self.dailySchedule(mode)
        // The schedule as the store holds it after three days without any process running.
        let created = try await store.createSchedule(schedule)
        #expect(created.nextFireAt == schedule.nextFireAt)

        let fired = try await store.fireDueSchedules(limit: 10, source: "scheduler:test")
        let missed = [latest.addingTimeInterval(-2 * 86_400), latest.addingTimeInterval(-86_400), latest]
        let expected: [Date] = switch mode {
        case .none: []
        case .last: [latest]
        case .all: missed
        }
        #expect(fired.map(\.fireTime) == expected)
        #expect(fired.allSatisfy { $0.created })

        let saved = try #require(try await store.schedule(schedule.id, tenant: "acme"))
        #expect(saved.nextFireAt == latest.addingTimeInterval(86_400), "the next fire time is the next one in the future")
        #expect(saved.lastFiredAt == (expected.last ?? schedule.lastFiredAt))

        // The jobs: one per fire time, with the schedule as their trigger, in the job and its event.
        let rows = try await test.rows("SELECT id FROM jobs WHERE triggered_by = $1", [.text(schedule.trigger)])
        #expect(rows.count == expected.count)
        for fire in fired {
            let job = try #require(try await store.job(fire.jobID))
            #expect(job.trigger == "schedule:\(schedule.id.uuidString.lowercased())")
            #expect(job.tenant == "acme")
            #expect(job.input.contains("schedule"))
            let enqueued = try #require(try await store.events(of: fire.jobID).first { $0.type == "job.enqueued" })
            #expect(enqueued.payload?.contains(schedule.trigger) == true)
        }

        // Nothing more is due: a second tick (another process) fires nothing.
        #expect(try await store.fireDueSchedules(limit: 10, source: "scheduler:test").isEmpty)
        await test.store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func pausedSchedulesDoNotFire(_ kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = try #require(test.store as? any TriggerStore)
        var (schedule, _) = try Self.dailySchedule(.all)
        schedule.paused = true
        _ = try await store.createSchedule(schedule)
        #expect(try await store.fireDueSchedules(limit: 10, source: "scheduler:test").isEmpty)
        #expect(try await test.rows("SELECT id FROM jobs", []).isEmpty)
        #expect(try await store.deleteSchedule(schedule.id, tenant: "other") == false, "another tenant's schedule is not found")
        #expect(try await store.deleteSchedule(schedule.id, tenant: "acme"))
        await test.store.close()
    }

    /// Eight stores (separate connection pools, as separate processes have) fire one schedule
    /// at once, over and over, with 30 missed seconds due at the start: each fire time is
    /// enqueued by exactly one of them.
    @Test(arguments: StoreKind.allCases)
    func concurrentFiringEnqueuesEachTimeOnce(_ kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let store = try #require(test.store as? any TriggerStore)
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 29).rounded(.down))
        let schedule = try await store.createSchedule(Schedule(tenant: "acme", cron: "* * * * * *", timezone: "UTC", workflow: "noop",
                                                               jobInput: "{}", catchUp: .all, nextFireAt: start))
        var others: [any TriggerStore] = []
        for _ in 0..<8 { others.append(try #require(try await openJobStore(url: test.url, poolSize: 1) as? any TriggerStore)) }
        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, other) in others.enumerated() {
                group.addTask {
                    var created = 0
                    for _ in 0..<15 {
                        created += try await other.fireDueSchedules(limit: 10, source: "scheduler:\(index)").filter(\.created).count
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    return created
                }
            }
            return try await group.reduce(0, +)
        }
        for other in others { await other.close() }
        let rows = try await test.rows("SELECT unique_key FROM jobs WHERE triggered_by = $1", [.text(schedule.trigger)])
        let times = rows.compactMap { $0[0]?.split(separator: ":").last.flatMap { Int64($0) } }.sorted()
        #expect(times.count == created, "jobs in the table and jobs the callers say they created")
        #expect(Set(times).count == times.count)
        #expect(times.first == start.unixMilliseconds)
        #expect(times.count >= 30)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 1000 }, "consecutive seconds")
        await test.store.close()
    }

    /// Four `runner worker` processes on one PostgreSQL fire an every-second schedule for 20 s:
    /// one job per second (20 in the 20 s window), consecutive fire times, none twice.
    @Test func fourWorkersFireEachSecondOnce() async throws {
        let test = try await TestStore.make(.postgres)
        let store = try #require(test.store as? any TriggerStore)
        let workers = try (0..<4).map { _ in try RunnerProcess.worker(databaseURL: test.url, ["--concurrency", "2"]) }
        defer { for worker in workers { worker.signal(SIGKILL) } }
        // Wait until all four are up (each logs once it runs its loops).
        let started = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            workers.allSatisfy { $0.log.contains("worker started") }
        }
        #expect(started, "workers did not start: \(workers.map(\.log))")

        var schedule = Schedule(tenant: "acme", cron: "* * * * * *", timezone: "UTC", workflow: "noop", jobInput: "{}")
        schedule = try await store.createSchedule(schedule)
        let first = try #require(schedule.nextFireAt)
        let window = first.addingTimeInterval(19)  // 20 fire times: first … first + 19 s
        try await Task.sleep(for: .seconds(max(0, window.timeIntervalSinceNow + 1)))
        // A tick running late still fires the window's last time (on time up to 30 s late).
        let caughtUp = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            (try await store.schedule(schedule.id, tenant: "acme")?.lastFiredAt).map { $0 >= window } ?? false
        }
        #expect(caughtUp)
        schedule.paused = true
        _ = try await store.updateSchedule(schedule)
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { _ = try await worker.wait(timeout: .seconds(30)) }

        let rows = try await test.rows("SELECT unique_key FROM jobs WHERE triggered_by = $1", [.text(schedule.trigger)])
        let times = rows.compactMap { $0[0]?.split(separator: ":").last.flatMap { Int64($0) } }.sorted()
        #expect(Set(times).count == times.count, "a fire time was enqueued twice")
        #expect(times.first == first.unixMilliseconds)
        #expect(times.filter { $0 <= window.unixMilliseconds }.count == 20, "\(times.count) jobs; 20 expected in the 20 s window")
        let gaps = zip(times, times.dropFirst()).filter { $1 - $0 != 1000 }
        #expect(gaps.isEmpty, "fire times are not consecutive seconds: \(gaps)")
        // Fired by the worker processes (the event names which one).
        let sources = try await test.rows(
            "SELECT DISTINCT e.source FROM events e JOIN jobs j ON j.id = e.job_id WHERE j.triggered_by = $1 AND e.type = 'job.enqueued'",
            [.text(schedule.trigger)]).compactMap { $0[0] }
        #expect(!sources.isEmpty && sources.allSatisfy { $0.hasPrefix("scheduler:") }, "\(sources)")
        print("four workers: \(times.count) jobs, fired by \(sources.count) of the processes")
        // Each fire time's job has exactly one job.enqueued event.
        let events = try await test.rows(
            "SELECT COUNT(*) FROM events e JOIN jobs j ON j.id = e.job_id WHERE j.triggered_by = $1 AND e.type = 'job.enqueued'",
            [.text(schedule.trigger)])
        #expect(try events.first?.int(0) == times.count)
        await test.store.close()
    }
}
