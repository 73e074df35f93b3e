import Testing
@testable import Pipeline

struct PipelineSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
