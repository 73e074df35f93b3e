import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The dashboard at the HTTP level: sign-in makes a session cookie (not the key), pages need it,
/// state-changing forms need the CSRF token, another tenant's job is "Not found", and user
/// content renders as text. (Tests/Browser/dashboard_test.py drives the same pages in Chromium.)
@Suite(.serialized)
struct DashboardTests {
    @Test(arguments: StoreKind.allCases)
    func signInGivesASessionCookieThatIsNotTheKey(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "alpha")
        let browser = Browser(base: server.base)

        let guest = try await browser.get("/ui/jobs")
        #expect(guest.status == 303)
        #expect(guest.header("Location") == "/ui/login")

        let form = try await browser.get("/ui/login")
        #expect(form.status == 200)
        let policy = try #require(form.header("Content-Security-Policy"))
        #expect(policy.contains("script-src 'self'"))
        #expect(!policy.contains("unsafe-inline"))

        // A wrong key, and a form without its token, sign nobody in.
        #expect(try await browser.post("/ui/login", ["key": "mpk_wrong", "csrf": try browser.loginToken(form)]).status == 401)
        #expect(try await browser.post("/ui/login", ["key": key, "csrf": "forged"]).status == 403)
        #expect(browser.cookies["mp_session"] == nil)

        let signedIn = try await browser.signIn(key: key)
        #expect(signedIn.status == 303)
        let setCookie = try #require(signedIn.header("Set-Cookie"))
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        #expect(!setCookie.contains("Secure"))  // plain HTTP here; Secure only over TLS
        let session = try #require(browser.cookies["mp_session"])
        #expect(session != key && !session.contains(key))

        let jobs = try await browser.get("/ui/jobs")
        #expect(jobs.status == 200)
        #expect(jobs.text.contains("Tenant <strong>alpha</strong>"))
        #expect(!jobs.text.contains(key))

        // Over a proxy that terminated TLS, the cookie is Secure.
        let overTLS = try await browser.signIn(key: key, headers: ["X-Forwarded-Proto": "https"])
        #expect(overTLS.header("Set-Cookie")?.contains("Secure") == true)

        // Signing out ends the session on the server, not only in this browser.
        let current = try #require(browser.cookies["mp_session"])
        #expect(current != session)
        let token = try browser.csrf(try await browser.get("/ui/jobs"))
        #expect(try await browser.post("/ui/logout", ["csrf": token]).status == 303)
        #expect(browser.cookies["mp_session"] == nil)
        let replay = Browser(base: server.base)
        replay.cookies["mp_session"] = current
        #expect(try await replay.get("/ui/jobs").status == 303)
    }

    @Test(arguments: StoreKind.allCases)
    func formsNeedTheCSRFTokenAndAnotherTenantsJobIsNotFound(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let alpha = try await server.key(tenant: "alpha")
        let beta = try await server.key(tenant: "beta")
        let browser = Browser(base: server.base)
        _ = try await browser.signIn(key: alpha)
        let page = try await browser.get("/ui/new")
        let token = try browser.csrf(page)

        let forged = try await browser.post("/ui/new", ["text": "Forged words.", "name": "forged.txt"])
        #expect(forged.status == 403)
        let none = try await server.request("GET", "/v1/jobs", key: alpha).object()
        #expect((none["jobs"] as? [Any])?.isEmpty == true)
        // The scripts' API mirror wants the token in a header.
        #expect(try await browser.send("POST", "/ui/api/uploads", body: Data("{}".utf8), headers: ["Content-Type": "application/json"]).status == 403)
        let upload = try await browser.send("POST", "/ui/api/uploads", body: Data("{}".utf8),
                                            headers: ["Content-Type": "application/json", "X-CSRF-Token": token])
        #expect(upload.status == 201)

        let name = "<img src=x onerror=alert(1)>.txt"
        let created = try await browser.post("/ui/new", ["text": "Words of <b>alpha</b>.", "name": name, "csrf": token])
        #expect(created.status == 303)
        let location = try #require(created.header("Location"))
        let id = String(try #require(location.split(separator: "/").last))
        #expect(try await server.request("GET", "/v1/jobs/\(id)", key: alpha).status == 200)
        let job = try await browser.get(location)
        #expect(job.status == 200)
        #expect(job.text.contains("&lt;img src=x onerror=alert(1)&gt;.txt"))
        #expect(!job.text.contains(name))

        // Beta's browser: alpha's job is exactly as missing as a job that never was.
        let other = Browser(base: server.base)
        _ = try await other.signIn(key: beta)
        let hidden = try await other.get("/ui/jobs/\(id)")
        let missing = try await other.get("/ui/jobs/00000000-0000-4000-8000-000000000000")
        #expect(hidden.status == 404)
        #expect(missing.status == 404)
        #expect(hidden.text.contains("Not found"))
        #expect(!hidden.text.contains("onerror"))
        let list = try await other.get("/ui/jobs")
        #expect(!list.text.contains(id))
        let cancel = try await other.post("/ui/jobs/\(id)/cancel", ["csrf": try other.csrf(list)])
        #expect(cancel.status == 404)
    }

    @Test func revokingTheKeyEndsItsSessions() async throws {
        let server = try await TestServer.start(.sqlite)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "alpha")
        let browser = Browser(base: server.base)
        _ = try await browser.signIn(key: key)
        #expect(try await browser.get("/ui/health").status == 200)
        try await server.revoke(key)
        let after = try await browser.get("/ui/health")
        #expect(after.status == 303)
        #expect(after.header("Location") == "/ui/login")
        #expect(try await browser.send("GET", "/ui/api/jobs/00000000-0000-4000-8000-000000000000").status == 401)
    }
}

/// A browser as far as HTTP goes: keeps cookies, does not follow redirects.
final class Browser: @unchecked Sendable {
    // Used from one test task at a time.
    let base: String
    var cookies: [String: String] = [:]
    private let session: URLSession

    init(base: String) {
        self.base = base
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    func get(_ path: String) async throws -> HTTPAnswer { try await send("GET", path) }

    func post(_ path: String, _ form: [String: String], headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        var fields = headers
        fields["Content-Type"] = "application/x-www-form-urlencoded"
        return try await send("POST", path, body: Data(body.utf8), headers: fields)
    }

    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if !cookies.isEmpty { request.setValue(cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        let answer = HTTPAnswer(status: http.statusCode, data: data, headers: http.allHeaderFields as? [String: String] ?? [:])
        // Foundation joins several Set-Cookie headers with ", ".
        for cookie in (answer.header("Set-Cookie") ?? "").components(separatedBy: ", ") {
            let pair = cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false) ?? []
            guard pair.count == 2 else { continue }
            let (name, value) = (String(pair[0]).trimmingCharacters(in: .whitespaces), String(pair[1]))
            if value.isEmpty || cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return answer
    }

    func signIn(key: String, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        let form = try await get("/ui/login")
        return try await post("/ui/login", ["key": key, "csrf": try loginToken(form)], headers: headers)
    }

    func loginToken(_ page: HTTPAnswer) throws -> String { try value(of: "csrf", in: page.text) }

    /// The CSRF token a signed-in page carries in its forms.
    func csrf(_ page: HTTPAnswer) throws -> String { try value(of: "csrf", in: page.text) }

    private func value(of field: String, in html: String) throws -> String {
        let marker = "name=\"\(field)\" value=\""
        let start = try #require(html.range(of: marker), "no \(field) field in the page")
        let rest = html[start.upperBound...]
        return String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
    }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
