import Basics
import Foundation
import Logging
import Testing
@testable import Pipeline

/// The engine run in-process against both stores: checkpointed steps, retries, fan-out, cancel.
struct EngineTests {
    static func worker(_ store: any JobStore, registry: WorkflowRegistry = .builtIn, concurrency: Int = 2,
                       exitWhenIdle: Bool = true) -> Worker {
        var configuration = WorkerConfiguration()
        configuration.concurrency = concurrency
        configuration.pollInterval = .milliseconds(50)
        configuration.retryBaseDelay = .milliseconds(20)
        configuration.rescueAfter = .seconds(60)
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.exitWhenIdle = exitWhenIdle
        configuration.workerID = "test-worker"
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Worker(store: store, registry: registry, configuration: configuration, logger: logger)
    }

    static func effects(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test(arguments: StoreKind.allCases)
    func aRetriedJobSkipsItsFinishedSteps(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let effects = TestEnvironment.scratchDirectory().appendingPathComponent("effects.txt").path
        let id = try await test.store.enqueue(
            "sleep", #"{"steps":3,"fail_step":2,"fail_attempts":[1],"effects_file":"\#(effects)"}"#)
        try await Self.worker(test.store).run()

        let job = try #require(try await test.store.job(id))
        #expect(job.status == .succeeded && job.attempts == 2)
        #expect(job.stepsDone == 3 && job.stepsTotal == 3 && job.progress == 1)
        let job8 = id.uuidString.lowercased()
        #expect(Self.effects(effects) == ["\(job8) step1 1", "\(job8) step2 2", "\(job8) step3 2"])
        let events = try await test.store.events(of: id)
        #expect(events.map(\.type) == [
            "job.enqueued", "job.started", "step.started", "step.succeeded", "step.started", "step.failed",
            "job.retrying", "job.started", "step.started", "step.succeeded", "step.started", "step.succeeded",
            "job.succeeded",
        ])
        #expect(events.filter { $0.type.hasPrefix("step.") }.map { $0.step ?? "" }
            == ["step1", "step1", "step2", "step2", "step2", "step2", "step3", "step3"])
        #expect(events.dropFirst().allSatisfy { $0.source == "test-worker" })
        let output = try #require(job.output)
        #expect(output.contains("\"step\":3") || output.contains("\"step\": 3"))
        await test.store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func anUnknownWorkflowIsDeadAtOnce(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let id = try await test.store.enqueue("no-such-workflow", "{}")
        try await Self.worker(test.store).run()
        let job = try #require(try await test.store.job(id))
        #expect(job.status == .dead && job.attempts == 1)
        #expect(job.error?.contains("unknown_workflow") == true)
        await test.store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func fanOutRespectsItsLimitAndJoinsInOrder(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let gauge = ConcurrencyGauge()
        var registry = WorkflowRegistry.builtIn
        registry.register(FanOutProbe(gauge: gauge))
        let id = try await test.store.enqueue("fan-out-probe", "{}")
        try await Self.worker(test.store, registry: registry).run()

        let job = try #require(try await test.store.job(id))
        #expect(job.status == .succeeded)
        #expect(gauge.maximum("items") == 3)
        #expect(gauge.maximum("branch") == 2)
        let steps = try await test.store.steps(of: id)
        #expect(steps.filter { $0.name.hasPrefix("square/") }.count == 10)
        let joined = try #require(steps.first { $0.name == "square" }?.output)
        let values = try JSON(unchecked: joined).decode([Int].self)
        #expect(values == (0..<10).map { $0 * $0 })
        let total = try JSON(unchecked: try #require(job.output)).decode(Int.self)
        #expect(total == (0..<10).map { $0 * $0 }.reduce(0, +) * 2)
        await test.store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func cancellingARunningJobStopsItBeforeItsNextStep(kind: StoreKind) async throws {
        let test = try await TestStore.make(kind)
        let id = try await test.store.enqueue("sleep", #"{"steps":6,"sleep_ms":300}"#)
        let worker = Self.worker(test.store, exitWhenIdle: false)
        let running = Task { try await worker.run() }
        #expect(try await eventually(timeout: .seconds(60)) {
            try await test.store.eventTypes(id).contains("step.started")
        })
        #expect(try await test.store.cancel(jobID: id, source: "cli") == .done(from: .running))
        #expect(try await eventually(timeout: .seconds(30)) { worker.running.count == 0 })
        running.cancel()
        try await running.value
        let job = try #require(try await test.store.job(id))
        #expect(job.status == .cancelled)
        let types = try await test.store.eventTypes(id)
        let cancelAt = try #require(types.firstIndex(of: "job.cancelled"))
        #expect(!types[cancelAt...].contains("step.started") && !types.contains("job.succeeded"))
        #expect(types.filter { $0 == "step.succeeded" }.count < 6)
        await test.store.close()
    }
}

/// Counts how many calls are inside a region at once, per label.
final class ConcurrencyGauge: Sendable {
    private let state = Locked<[String: (now: Int, max: Int)]>([:])
    func enter(_ label: String) {
        state.withLock { state in
            var entry = state[label] ?? (0, 0)
            entry.now += 1
            entry.max = max(entry.max, entry.now)
            state[label] = entry
        }
    }
    func leave(_ label: String) { state.withLock { $0[label]?.now -= 1 } }
    func maximum(_ label: String) -> Int { state.withLock { $0[label]?.max ?? 0 } }
}

/// root → (square fan-out ‖ double fan-out) → sum: a small DAG with two parallel branches.
struct FanOutProbe: Workflow {
    let name = "fan-out-probe"
    let gauge: ConcurrencyGauge
    var maxParallelSteps: Int { 2 }

    func steps(for input: JSON) throws -> [Step] {
        let gauge = self.gauge
        func branch(_ name: String) -> Step {
            .fanOut(name, after: ["root"], concurrency: 3) { _ in
                try (0..<10).map { try JSON(encoding: $0) }
            } each: { _, _, item in
                gauge.enter("items")
                defer { gauge.leave("items") }
                try await Task.sleep(for: .milliseconds(200))
                let value = try item.decode(Int.self)
                return try JSON(encoding: value * value)
            }
        }
        return [
            .step("root") { _ in .emptyObject },
            .step("mark-a", after: ["root"]) { _ in
                gauge.enter("branch")
                defer { gauge.leave("branch") }
                try await Task.sleep(for: .milliseconds(300))
                return .emptyObject
            },
            .step("mark-b", after: ["root"]) { _ in
                gauge.enter("branch")
                defer { gauge.leave("branch") }
                try await Task.sleep(for: .milliseconds(300))
                return .emptyObject
            },
            branch("square"),
            .step("sum", after: ["square", "mark-a", "mark-b"]) { context in
                let squares = try #require(context.output(of: "square")).decode([Int].self)
                return try JSON(encoding: squares.reduce(0, +) * 2)
            },
        ]
    }
}
