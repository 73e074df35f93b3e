import Basics
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline

/// The browser's dashboard (issue 16): server-rendered pages under `/ui`, signed in with an API
/// key that becomes a server-side session. The key is read once, at sign-in, and never reaches a
/// page, a script or a URL: the browser keeps only an HttpOnly, SameSite=Strict cookie with a
/// random session id, whose SHA-256 the store keeps (`dashboard_sessions`).
extension APIServer {
    static let sessionCookie = "mp_session"
    static let loginCookie = "mp_login"
    static let sessionLifetime: TimeInterval = 12 * 3600

    /// Adds the dashboard's pages, its static files and the cookie-authenticated mirrors of the
    /// API routes its scripts use (uploads, job creation, events, asset content).
    func addDashboard(to router: Router<APIContext>) {
        router.on("/", method: .get) { request, _ in
            if try await signedIn(request) != nil { return redirect("/ui/jobs") }
            return redirect("/ui/login")
        }
        router.on("/ui", method: .get) { _, _ in redirect("/ui/jobs") }
        router.on("/ui/login", method: .get) { request, _ in try await loginPage(request, error: nil) }
        router.on("/ui/login", method: .post) { request, _ in try await login(request) }
        router.on("/ui/logout", method: .post) { request, _ in try await logout(request) }
        router.on("/static/{file}", method: .get) { request, context in try staticFile(request, context) }

        page(router, .get, "/ui/jobs") { request, _, user, _ in try await jobsPage(request, user) }
        page(router, .get, "/ui/jobs/{id}") { request, context, user, _ in try await jobPage(request, context, user) }
        page(router, .post, "/ui/jobs/{id}/{action}") { request, context, user, form in
            try await jobAction(request, context, user, form)
        }
        page(router, .get, "/ui/jobs/{id}/source") { request, context, user, _ in try await jobSource(request, context, user) }
        page(router, .get, "/ui/new") { _, _, user, _ in try newJobPage(user, error: nil, form: [:]) }
        page(router, .post, "/ui/new") { request, context, user, form in try await createFromForm(request, context, user, form) }
        page(router, .get, "/ui/health") { _, _, user, _ in try await healthPage(user) }

        // The pages' scripts call these with the cookie (and the CSRF token in a header when they
        // change something); the handlers are the API's own, so answers are the API's JSON.
        let mirrors: [(HTTPRequest.Method, String, String)] = [
            (.post, "/v1/uploads", "/ui/api/uploads"),
            (.put, "/v1/uploads/{id}/files/{name}", "/ui/api/uploads/{id}/files/{name}"),
            (.post, "/v1/jobs", "/ui/api/jobs"),
            (.get, "/v1/jobs/{id}", "/ui/api/jobs/{id}"),
            (.get, "/v1/assets/{id}/content", "/ui/assets/{id}/content"),
        ]
        for (method, apiPath, path) in mirrors {
            guard let route = routes.first(where: { $0.method == method && $0.path == apiPath }) else { continue }
            router.on(RouterPath(path), method: method) { request, context in
                var context = context
                context.principal = try await scriptCaller(request, write: route.access == .write)
                return try await route.handler(request, context)
            }
        }
        // The tenant's live events for the pages: the API's stream, each event without an
        // `event:` line so one `message` handler hears every type.
        router.on("/ui/events", method: .get) { request, _ in
            let caller = try await scriptCaller(request, write: false)
            var start = try streamStart(request)
            if start == nil { start = try await store.lastEventID(tenant: caller.tenant) }
            return streamTenantEvents(caller.tenant, after: start ?? 0, named: false)
        }
    }

    // MARK: Sessions

    /// A signed-in browser: its session and the principal it acts as.
    struct DashboardUser: Sendable {
        let session: DashboardSession
        var principal: Principal { Principal(tenant: session.tenant, readOnly: session.readOnly, keyID: session.keyID ?? "local") }
    }

    /// The session the request's cookie names, if it is live (a session without a key only
    /// counts while the server runs with `--no-auth`).
    func signedIn(_ request: Request) async throws -> DashboardUser? {
        guard let id = Self.cookie(request, Self.sessionCookie), !id.isEmpty,
              let session = try await store.dashboardSession(idHash: sha256Hex(Data(id.utf8)))
        else { return nil }
        if session.keyID == nil && !configuration.noAuth { return nil }
        return DashboardUser(session: session)
    }

    /// The caller of a script request: the session's principal, rate-limited per key; a request
    /// that changes state must echo the session's CSRF token in `X-CSRF-Token`.
    private func scriptCaller(_ request: Request, write: Bool) async throws -> Principal {
        guard let user = try await signedIn(request) else {
            throw Problem(.unauthorized, "unauthorized", "sign in to the dashboard first (/ui/login)")
        }
        if request.method != .get && request.method != .head {
            guard let token = request.headers[.csrfToken], Self.same(token, user.session.csrf) else {
                throw Problem(.forbidden, "csrf", "the request lacks the page's CSRF token")
            }
        }
        if let wait = limiter.take(user.principal.keyID) {
            throw Problem(.tooManyRequests, "rate_limited", "too many requests for this key; retry in \(wait) s",
                          headers: [.retryAfter: String(wait)])
        }
        if write && user.session.readOnly { throw Problem(.forbidden, "read_only", "this API key is read-only") }
        return user.principal
    }

    /// Registers a page that needs a session: without one the browser is sent to sign in; a
    /// `Problem` becomes an HTML page with its status (another tenant's job: 404 "Not found").
    private func page(_ router: Router<APIContext>, _ method: HTTPRequest.Method, _ path: String,
                      _ handler: @escaping @Sendable (Request, APIContext, DashboardUser, [String: String]) async throws -> Response) {
        router.on(RouterPath(path), method: method) { request, context in
            guard let user = try await signedIn(request) else {
                if method == .get { return redirect("/ui/login") }
                return try render("error", status: .unauthorized, user: nil, title: "Signed out",
                                  ["heading": "Signed out", "detail": "Your session ended; sign in again."])
            }
            var form: [String: String] = [:]
            if method == .post {
                form = try await Self.form(request, self)
                guard let token = form["csrf"], Self.same(token, user.session.csrf) else {
                    return try render("error", status: .forbidden, user: user, title: "Forbidden",
                                      ["heading": "Forbidden", "detail": "The form's CSRF token is missing or wrong; reload the page and try again."])
                }
                if user.session.readOnly {
                    return try render("error", status: .forbidden, user: user, title: "Read-only",
                                      ["heading": "Read-only key", "detail": "This API key is read-only: it can look, not change."])
                }
            }
            do {
                return try await handler(request, context, user, form)
            } catch let problem as Problem {
                let heading = problem.status == .notFound ? "Not found" : problem.status.reasonPhrase
                return try render("error", status: problem.status, user: user, title: heading,
                                  ["heading": heading, "detail": problem.detail])
            }
        }
    }

    private func loginPage(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = Self.randomToken()
        var values: [String: Any] = ["loginCSRF": token, "noAuth": configuration.noAuth]
        if let error { values["error"] = error }
        var response = try render("login", status: status, user: nil, title: "Sign in", values)
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, token, path: "/ui/login", maxAge: 3600, request)))
        return response
    }

    private func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request, self)
        // Double-submit: the form's token must match the cookie set with the form, so another
        // site cannot sign a browser in to its own key.
        guard let token = form["csrf"], let expected = Self.cookie(request, Self.loginCookie), Self.same(token, expected) else {
            return try await loginPage(request, error: "The sign-in form expired; try again.", status: .forbidden)
        }
        let tenant: String
        let keyID: String?
        if configuration.noAuth {
            (tenant, keyID) = ("local", nil)
        } else {
            let key = (form["key"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, let record = try await store.key(hash: APIKeys.hash(key)) else {
                return try await loginPage(request, error: "That API key is unknown or revoked.", status: .unauthorized)
            }
            (tenant, keyID) = (record.tenant, record.id)
        }
        let id = Self.randomToken()
        try await store.createDashboardSession(DashboardSession(
            idHash: sha256Hex(Data(id.utf8)), tenant: tenant, keyID: keyID, readOnly: false, csrf: Self.randomToken(),
            expiresAt: Date().addingTimeInterval(Self.sessionLifetime)))
        var response = redirect("/ui/jobs")
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, id, path: "/", maxAge: Int(Self.sessionLifetime), request)))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, "", path: "/ui/login", maxAge: 0, request)))
        return response
    }

    private func logout(_ request: Request) async throws -> Response {
        let form = try await Self.form(request, self)
        if let user = try await signedIn(request) {
            guard let token = form["csrf"], Self.same(token, user.session.csrf) else {
                return try render("error", status: .forbidden, user: user, title: "Forbidden",
                                  ["heading": "Forbidden", "detail": "The form's CSRF token is missing or wrong."])
            }
            try await store.deleteDashboardSession(idHash: user.session.idHash)
        }
        var response = redirect("/ui/login")
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, "", path: "/", maxAge: 0, request)))
        return response
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, and Secure when the browser came over TLS
    /// (directly or through a proxy that says so).
    private func cookie(_ name: String, _ value: String, path: String, maxAge: Int, _ request: Request) -> String {
        let tls = request.head.scheme == "https" || request.headers[.forwardedProto]?.lowercased() == "https"
        return "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    // MARK: Helpers

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name {
                    return pair[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// 32 random bytes in base64url: session ids and CSRF tokens.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64URLEncoded
    }

    /// Compares two tokens in time that does not depend on where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// An `application/x-www-form-urlencoded` body (at most 1 MiB plus the text limit).
    static func form(_ request: Request, _ server: APIServer) async throws -> [String: String] {
        let data = try await server.requestBody(request, limit: server.configuration.maxTextBytes + 64 * 1024)
        return parseForm(String(decoding: data, as: UTF8.self))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plus = s.replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
}
