import Foundation
import Logging
import PostgresNIO
import SchedulerKit

extension PostgresJobStore {
    /// Listens on `schedulerkit_changes` on a connection of its own and signals
    /// ``localChanges`` for each notification, so a scheduler in this process wakes within
    /// milliseconds of an operator write in another. The connection is re-opened after it drops
    /// (1 s, then backing off to 10 s); meanwhile the engine's 1 s poll of the change counter
    /// still notices changes.
    func startListening(_ configuration: PostgresConnection.Configuration) {
        let signal = localChanges
        let logger = self.logger
        let me = instance
        let task = Task.detached {
            var backoff = 1.0
            var id = 1000
            while !Task.isCancelled {
                id += 1
                do {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
                    backoff = 1
                    do {
                        try await withTaskCancellationHandler {
                            try await connection.listen(on: "schedulerkit_changes") { notifications in
                                // A change may have been missed while reconnecting.
                                signal.notify()
                                for try await notification in notifications where notification.payload != me { signal.notify() }
                            }
                        } onCancel: {
                            connection.close().whenComplete { _ in }
                        }
                    } catch {
                        logger.debug("change listener dropped", metadata: ["error": "\(String(describing: error).prefix(200))"])
                    }
                    try? await connection.close()
                } catch {
                    logger.debug("change listener cannot connect", metadata: ["error": "\(String(describing: error).prefix(200))"])
                }
                if Task.isCancelled { return }
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(10, backoff * 2)
            }
        }
        listener.withLock { $0 = task }
    }
}
