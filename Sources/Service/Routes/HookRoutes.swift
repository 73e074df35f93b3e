import Foundation
import HTTPTypes
import Hummingbird
import Pipeline

extension APIServer {
    var hookRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/hooks", .write) { request, context in
                let hook = try await newHook(try await jsonObject(request), tenant: try context.caller.tenant)
                let created: Hook
                do {
                    created = try await triggers.createHook(hook)
                } catch let error as StoreError where error.isConflict {
                    throw Problem(.conflict, "name_taken", "name: a hook named \(hook.name) exists; hook names are unique across the server")
                }
                var view = Views.hook(created)
                view["secret"] = created.secret
                return try JSONResponse.make(view, status: .created, headers: [.location: "/v1/hooks/\(created.name)"])
            },
            APIRoute(.get, "/v1/hooks", .read) { _, context in
                try JSONResponse.make(["hooks": try await triggers.hooks(tenant: try context.caller.tenant).map(Views.hook)])
            },
            APIRoute(.get, "/v1/hooks/{name}", .read) { _, context in
                try JSONResponse.make(Views.hook(try await ownedHook(context)))
            },
            APIRoute(.delete, "/v1/hooks/{name}", .write) { _, context in
                let hook = try await ownedHook(context)
                _ = try await triggers.deleteHook(named: hook.name, tenant: hook.tenant)
                return JSONResponse.noContent()
            },
            // No API key: the Standard Webhooks signature made with the hook's secret authenticates.
            APIRoute(.post, "/v1/hooks/{name}", .open) { request, context in try await receive(request, context) },
        ]
    }

    /// The input fields a mapping may fill (those of `POST /v1/jobs`'s `input`).
    static let hookInputFields: Set<String> = ["text", "name", "upload_id", "file", "files"]

    private func ownedHook(_ context: APIContext) async throws -> Hook {
        let name = context.parameters.get("name") ?? ""
        guard let hook = try await triggers.hook(named: name), hook.tenant == (try context.caller.tenant) else {
            throw Problem.notFound("hook \(name)")
        }
        return hook
    }

    private func newHook(_ object: [String: Any], tenant: String) async throws -> Hook {
        let known: Set<String> = ["name", "workflow", "mapping", "options"]
        if let unknown = Set(object.keys).subtracting(known).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = object["name"] as? String, Self.validHookName(name) else {
            throw Problem.invalid("name: must be 1 to 64 lower-case letters, digits, '-' or '_'")
        }
        guard let workflow = object["workflow"] as? String, JobRequest.workflows.contains(workflow) else {
            throw Problem.invalid("workflow: must be one of \(JobRequest.workflows.joined(separator: ", "))")
        }
        guard let mapping = object["mapping"] as? [String: Any], !mapping.isEmpty else {
            throw Problem.invalid("mapping: must be an object from input field to JSON pointer, e.g. {\"text\": \"/body/text\"}")
        }
        var pointers: [String: String] = [:]
        for (field, value) in mapping {
            guard Self.hookInputFields.contains(field) else {
                throw Problem.invalid("mapping.\(field): not an input field (fields: \(Self.hookInputFields.sorted().joined(separator: ", ")))")
            }
            guard let pointer = value as? String, pointer.isEmpty || pointer.hasPrefix("/") else {
                throw Problem.invalid("mapping.\(field): must be a JSON pointer such as /data/text")
            }
            pointers[field] = pointer
        }
        let options = object["options"] ?? [String: Any]()
        guard let options = options as? [String: Any] else { throw Problem.invalid("options: must be an object") }
        let allowed = JobRequest.options[workflow] ?? []
        if let unknown = Set(options.keys).subtracting(allowed).sorted().first {
            throw Problem.invalid("options.\(unknown): not an option of \(workflow) (options: \(allowed.sorted().joined(separator: ", ")))")
        }
        return Hook(tenant: tenant, name: name, secret: WebhookSignature.newSecret(), workflow: workflow, mapping: pointers,
                    options: try Self.text(options))
    }

    static func validHookName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
    }

    /// An inbound webhook: verified, mapped to a job input, enqueued once per `webhook-id`.
    private func receive(_ request: Request, _ context: APIContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let hook = try await triggers.hook(named: name) else { throw Problem.notFound("hook \(name)") }
        let body = try await requestBody(request, limit: configuration.maxTextBytes + 64 * 1024)
        let id = request.headers[.webhookID]
        do {
            try WebhookSignature.verify(id: id, timestamp: request.headers[.webhookTimestamp],
                                        signature: request.headers[.webhookSignature], body: body, secret: hook.secret)
        } catch let failure as WebhookSignature.Failure {
            throw Problem(.unauthorized, "bad_signature", failure.description)
        }
        guard let payload = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            throw Problem.badRequest("the body must be JSON")
        }
        var input: [String: Any] = [:]
        for (field, pointer) in hook.mapping.sorted(by: { $0.key < $1.key }) {
            guard let value = Self.resolve(pointer, in: payload) else {
                throw Problem.invalid("payload: nothing at \(pointer.isEmpty ? "(the whole document)" : pointer) (mapped to input.\(field))")
            }
            input[field] = value
        }
        let job: [String: Any] = ["workflow": hook.workflow, "input": input, "options": Views.object(hook.options)]
        let parsed = try JobRequest(parsing: try JSONSerialization.data(withJSONObject: job))
        var enqueue = EnqueueRequest(workflow: hook.workflow, input: try await workflowInput(parsed, tenant: hook.tenant))
        enqueue.tenant = hook.tenant
        enqueue.trigger = hook.trigger
        enqueue.metadata = try JSON(encoding: ["hook": hook.name, "webhook_id": id ?? ""])
        // One job per webhook-id and hook: a replay answers the first job.
        enqueue.uniqueKey = Self.digest(["hook", Views.id(hook.id), id ?? ""])
        let result = try await store.enqueue(enqueue, source: "hook")
        guard let created = try await store.job(result.jobID, tenant: hook.tenant) else { throw Problem.notFound("job") }
        return try JSONResponse.make(try await detail(created), status: result.created ? .accepted : .ok,
                                     headers: [.location: "/v1/jobs/\(Views.id(created.id))"])
    }

    /// The value at a JSON pointer (RFC 6901: `/a/0/b`, `~1` for `/`, `~0` for `~`); `""` is the whole document.
    static func resolve(_ pointer: String, in document: Any) -> Any? {
        guard !pointer.isEmpty else { return document }
        var current: Any = document
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = current as? [String: Any], let next = object[token] {
                current = next
            } else if let array = current as? [Any], let index = Int(token), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current is NSNull ? nil : current
    }
}

extension Views {
    /// A hook as listed (its secret is shown only when created).
    static func hook(_ hook: Hook) -> [String: Any] {
        ["name": hook.name, "workflow": hook.workflow, "mapping": hook.mapping, "options": object(hook.options),
         "created_at": time(hook.createdAt), "trigger": hook.trigger, "links": ["self": "/v1/hooks/\(hook.name)"]]
    }
}

extension HTTPField.Name {
    static let webhookID = HTTPField.Name("webhook-id")!
    static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    static let webhookSignature = HTTPField.Name("webhook-signature")!
}

/// What `runner hooks` needs of the service's hook rules.
package enum HookAdmin {
    package static func generateSecret() -> String { WebhookSignature.newSecret() }
    package static func validName(_ name: String) -> Bool { APIServer.validHookName(name) }
    package static var inputFields: Set<String> { APIServer.hookInputFields }
    package static var workflows: [String] { JobRequest.workflows }
}
