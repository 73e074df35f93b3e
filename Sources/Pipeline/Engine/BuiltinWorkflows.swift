import Foundation

/// `noop`: a job without steps (output `{}`): only its claim and its completion touch the
/// store; for tests and benchmarks of the queue itself.
struct NoopWorkflow: Workflow {
    let name = "noop"
    func steps(for input: JSON) throws -> [Step] { [] }
}

/// `sleep` and `fail`: `steps` steps (`step1`, `step2`, …), each sleeping `sleep_ms`; the step
/// `fail_step` (default: the last) fails on the attempts listed in `fail_attempts` (`fail`
/// defaults to failing on every attempt). With `effects_file`, each step appends
/// "JOB STEP ATTEMPT" to that file when it finishes, a side effect tests can count.
/// `fan_out` > 0 adds a fan-out step `items` of that many items (at most `fan_out_concurrency`
/// at once) before the last step.
struct SleepWorkflow: Workflow {
    let name: String

    struct Options: Decodable {
        var steps: Int?
        var sleep_ms: Int?
        var fail_attempts: [Int]?
        var fail_step: Int?
        var effects_file: String?
        var fan_out: Int?
        var fan_out_concurrency: Int?
    }

    func steps(for input: JSON) throws -> [Step] {
        let options = (try? input.decode(Options.self)) ?? Options()
        let count = max(1, options.steps ?? 1)
        let sleep = Duration.milliseconds(max(0, options.sleep_ms ?? 0))
        let failAttempts = Set(options.fail_attempts ?? (name == "fail" ? Array(1...100) : []))
        let failStep = options.fail_step ?? count
        let effects = options.effects_file
        var steps: [Step] = (1...count).map { number in
            .step("step\(number)") { context in
                try await Task.sleep(for: sleep)
                if number == failStep && failAttempts.contains(context.attempt) {
                    throw StepFailure(code: "planned_failure", message: "step\(number) fails on attempt \(context.attempt)")
                }
                if let effects { try Self.append("\(context.jobID.uuidString.lowercased()) step\(number) \(context.attempt)\n", to: effects) }
                return try JSON(encoding: ["step": number, "attempt": context.attempt])
            }
        }
        if let fanOut = options.fan_out, fanOut > 0 {
            let item: Step = .fanOut("items", concurrency: options.fan_out_concurrency ?? 2) { _ in
                try (0..<fanOut).map { try JSON(encoding: $0) }
            } each: { context, index, _ in
                try await Task.sleep(for: sleep)
                if let effects { try Self.append("\(context.jobID.uuidString.lowercased()) \(context.step) \(context.attempt)\n", to: effects) }
                return try JSON(encoding: index)
            }
            steps.insert(item, at: steps.count - 1)
        }
        return steps
    }

    /// Appends a line with O_APPEND, so concurrent writers never interleave within a line.
    static func append(_ line: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw StepFailure(code: "effects_file", message: "cannot open \(path)") }
        defer { close(fd) }
        _ = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
    }
}
