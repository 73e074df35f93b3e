import Testing
@testable import MediaCore

struct MediaCoreSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
