import Foundation

/// A kind of job: a list (or small DAG) of named steps built from the job's input.
///
/// Each step's output is persisted when it succeeds; a retried or resumed job skips its finished
/// steps and hands their stored outputs to the steps after them. So a step must take everything
/// it needs from the job input and the outputs of earlier steps (`StepContext`), and the plan
/// (`steps(for:)`, fan-out `items`) must be the same every time for the same input.
public protocol Workflow: Sendable {
    /// The name jobs refer to (`runner enqueue --workflow NAME`).
    var name: String { get }
    /// How many steps of one job may run at once when the DAG allows it (default 1).
    var maxParallelSteps: Int { get }
    /// The steps of a job with this input.
    /// - Throws: when the input cannot be run at all; the job goes to `dead` without retries.
    func steps(for input: JSON) throws -> [Step]
    /// The delay before retry number `attempt` (1-based) of this workflow's jobs; nil: the
    /// worker's own exponential back-off (`WorkerConfiguration.retryBaseDelay`).
    func retryDelay(afterAttempt attempt: Int) -> Duration?
}

extension Workflow {
    public var maxParallelSteps: Int { 1 }
    public func retryDelay(afterAttempt attempt: Int) -> Duration? { nil }
}

/// One named step of a workflow.
public struct Step: Sendable {
    public typealias Body = @Sendable (StepContext) async throws -> JSON
    public typealias Items = @Sendable (StepContext) async throws -> [JSON]
    public typealias Each = @Sendable (StepContext, _ index: Int, _ item: JSON) async throws -> JSON

    enum Kind: Sendable {
        case single(Body)
        case fanOut(concurrency: Int, items: Items, each: Each)
    }

    /// Unique within the workflow; stored in `steps.name`.
    public let name: String
    /// The steps that must succeed first; nil means "the step before this one in the list".
    public let after: [String]?
    let kind: Kind

    /// A step that runs `body` once and persists what it returns.
    public static func step(_ name: String, after: [String]? = nil, _ body: @escaping Body) -> Step {
        Step(name: name, after: after, kind: .single(body))
    }

    /// A step that fans out: `items` lists the work (one sub-step per item, stored as
    /// `name/0`, `name/1`, …), `each` runs for each item with at most `concurrency` at once, and
    /// the step's output is the JSON array of the items' outputs, in order (the join).
    /// Finished items are skipped when the job is retried.
    public static func fanOut(_ name: String, after: [String]? = nil, concurrency: Int,
                              items: @escaping Items, each: @escaping Each) -> Step {
        Step(name: name, after: after, kind: .fanOut(concurrency: max(1, concurrency), items: items, each: each))
    }
}

/// A step's failure with a machine-readable code. `retryable: false` sends the job to `dead`
/// at once (e.g. bad input); other errors are retried up to the job's `max_attempts`.
public struct StepFailure: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var retryable: Bool
    /// When the failing party said when to try again (HTTP `Retry-After`): the next attempt
    /// waits this long instead of the back-off.
    public var retryAfter: Duration?
    public init(code: String, message: String, retryable: Bool = true, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
    }
    public var description: String { "\(code): \(message)" }
}

/// The workflows a worker can run, by name. Open: register your own before starting a worker.
public struct WorkflowRegistry: Sendable {
    private var workflows: [String: any Workflow] = [:]

    public init() {}

    /// The registry with the engine's own workflows: `noop`, `sleep`, `fail`, and `webhook`
    /// (outbound deliveries, configured from the environment: `WEBHOOK_ALLOW_HOSTS`).
    public static var builtIn: WorkflowRegistry {
        var registry = WorkflowRegistry()
        registry.register(NoopWorkflow())
        registry.register(SleepWorkflow(name: "sleep"))
        registry.register(SleepWorkflow(name: "fail"))
        registry.registerWebhooks(.fromEnvironment())
        return registry
    }

    /// Registers (or reconfigures) the `webhook` delivery workflow.
    package mutating func registerWebhooks(_ settings: WebhookSettings) {
        register(WebhookWorkflow(settings: settings))
    }

    /// Adds (or replaces) a workflow under its `name`.
    public mutating func register(_ workflow: any Workflow) {
        workflows[workflow.name] = workflow
    }

    public subscript(name: String) -> (any Workflow)? { workflows[name] }

    public var names: [String] { workflows.keys.sorted() }
}
