import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who holds a lease: `host/pid/instance`, so a scheduler on the same host can tell at once
/// that the holder's process is gone.
struct WorkerIdentity: Sendable, Hashable {
    var host: String
    var pid: Int32
    var instance: String

    var owner: String { "\(host)/\(pid)/\(instance)" }

    static func current() -> WorkerIdentity {
        WorkerIdentity(host: hostName(), pid: getpid(), instance: ULID.generate())
    }

    init(host: String, pid: Int32, instance: String) {
        self.host = host
        self.pid = pid
        self.instance = instance
    }

    /// Parses an owner string; nil when it is not of this form.
    init?(owner: String) {
        let parts = owner.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, instance: String(parts[2]))
    }

    static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }

    /// Schedulers running in this process, so one can tell its siblings from the dead.
    static let liveInstances = Mutex<Set<String>>([])

    /// Whether the process holding `owner` certainly no longer exists: same host, and either
    /// another process that `kill(pid, 0)` says is gone, or this process with an instance that
    /// no longer runs. Owners on other hosts are never judged: their leases expire instead.
    static func isGone(owner: String, from me: WorkerIdentity) -> Bool {
        guard let other = WorkerIdentity(owner: owner), other.host == me.host else { return false }
        if other.pid == me.pid {
            return !liveInstances.withLock { $0.contains(other.instance) }
        }
        if kill(other.pid, 0) == 0 { return false }
        return errno == ESRCH
    }
}
