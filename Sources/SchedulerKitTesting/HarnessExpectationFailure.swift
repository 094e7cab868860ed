/// Thrown by the harness's `expect…` helpers when the store does not hold what the test
/// expected: a plain error, so Swift Testing and XCTest both report it as the test's failure.
public struct HarnessExpectationFailure: Error, Sendable, CustomStringConvertible {
    /// What was expected and what was found.
    public var message: String
    /// Where the expectation was written.
    public var fileID: String
    public var line: Int

    public init(_ message: String, fileID: String = #fileID, line: Int = #line) {
        self.message = message
        self.fileID = fileID
        self.line = line
    }

    public var description: String { "\(fileID):\(line): \(message)" }
}
