import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of large artifacts, beside the database: `<db file>.artifacts/<job id>/<run id>/<artifact id>`.
///
/// Files are written atomically (a temporary `.<artifact id>.tmp` in the same directory,
/// fsync, rename, fsync of the directory), so a reader or a crash never sees half a file.
/// Directories are 0700 and files 0600, like the database.
struct ArtifactFiles: Sendable {
    /// The database file's directory; stored paths are relative to it.
    let base: String
    /// `<db file name>.artifacts`, relative to `base`.
    let rootName: String

    init(databasePath: String) {
        let dir = (databasePath as NSString).deletingLastPathComponent
        base = dir.isEmpty ? "." : dir
        rootName = (databasePath as NSString).lastPathComponent + ".artifacts"
    }

    /// The absolute root directory.
    var root: String { (base as NSString).appendingPathComponent(rootName) }

    /// The stored (relative) path of an artifact's file.
    func relativePath(jobId: JobID, runId: RunID, artifactId: String) -> String {
        "\(rootName)/\(jobId.rawValue)/\(runId.rawValue)/\(artifactId)"
    }

    /// The absolute path of a stored relative path.
    func absolute(_ relative: String) -> String { (base as NSString).appendingPathComponent(relative) }

    /// Writes `data` to `path` atomically, creating missing directories.
    ///
    /// - throws: `.storage` (the temporary file is removed).
    func write(_ data: Data, to path: String) throws(SchedulerError) {
        let dir = (path as NSString).deletingLastPathComponent
        let temp = (dir as NSString).appendingPathComponent("." + (path as NSString).lastPathComponent + ".tmp")
        var fd: Int32 = -1
        // A pruner may remove a job's directory the moment it is empty: make them again once.
        for _ in 0..<2 where fd < 0 {
            try makeDirectories(dir)
            fd = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd < 0 && errno != ENOENT { break }
        }
        guard fd >= 0 else { throw Self.failure("cannot create artifact file \(temp)") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            guard var p = raw.baseAddress else { return true }
            var left = raw.count
            while left > 0 {
                #if canImport(Glibc)
                let n = Glibc.write(fd, p, left)
                #else
                let n = Darwin.write(fd, p, left)
                #endif
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                left -= n
                p += n
            }
            return true
        }
        var reason = ok ? "" : String(cString: strerror(errno))
        if ok && fsync(fd) != 0 {
            ok = false
            reason = String(cString: strerror(errno))
        }
        close(fd)
        if ok && rename(temp, path) != 0 {
            ok = false
            reason = String(cString: strerror(errno))
        }
        guard ok else {
            unlink(temp)
            throw SchedulerError(.storage, "cannot write artifact file \(path): \(reason)")
        }
        // The rename is durable once the directory entry is.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// The bytes of `path`, checked against their SHA-256; nil when the file does not exist.
    ///
    /// - throws: `.storage` when it cannot be read or its bytes do not match.
    func read(_ path: String, sha256: String) throws(SchedulerError) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SchedulerError(.storage, "cannot read artifact file \(path): \(error.localizedDescription)")
        }
        guard Self.sha256(data) == sha256 else {
            throw SchedulerError(.storage, "artifact file \(path) is corrupt (its SHA-256 no longer matches)")
        }
        return data
    }

    /// Removes a file and, when they become empty, its run and job directories.
    ///
    /// - returns: whether the file was removed.
    @discardableResult
    func remove(_ path: String) -> Bool {
        let removed = unlink(path) == 0
        removeEmptyDirectories(above: path)
        return removed
    }

    /// Removes the run and job directories above `path` when they are empty (never the root).
    func removeEmptyDirectories(above path: String) {
        let runDir = (path as NSString).deletingLastPathComponent
        if rmdir(runDir) == 0 {
            rmdir((runDir as NSString).deletingLastPathComponent)
        }
    }

    /// Every file under the root as (absolute path, artifact id): `<id>` and temporary
    /// `.<id>.tmp` files; names that are neither are not ours and are left out.
    func listFiles() -> [(path: String, id: String)] {
        let fm = FileManager.default
        var out: [(String, String)] = []
        for job in (try? fm.contentsOfDirectory(atPath: root)) ?? [] {
            let jobDir = (root as NSString).appendingPathComponent(job)
            for run in (try? fm.contentsOfDirectory(atPath: jobDir)) ?? [] {
                let runDir = (jobDir as NSString).appendingPathComponent(run)
                for name in (try? fm.contentsOfDirectory(atPath: runDir)) ?? [] {
                    var id = Substring(name)
                    if id.hasPrefix(".") && id.hasSuffix(".tmp") { id = id.dropFirst().dropLast(4) }
                    guard ULID.date(of: String(id)) != nil else { continue }
                    out.append(((runDir as NSString).appendingPathComponent(name), String(id)))
                }
            }
        }
        return out
    }

    /// Lowercase hex SHA-256.
    static func sha256(_ data: Data) -> String {
        Hex.lowercase(SHA256.hash(data: data))
    }

    private func makeDirectories(_ dir: String) throws(SchedulerError) {
        var missing: [String] = []
        var current = dir
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for d in missing.reversed() where mkdir(d, 0o700) != 0 && errno != EEXIST {
            // A parent made just now was removed as empty by a pruner: the caller tries again.
            if errno == ENOENT { return }
            throw Self.failure("cannot create artifact directory \(d)")
        }
    }

    private static func failure(_ what: String) -> SchedulerError {
        SchedulerError(.storage, "\(what): \(String(cString: strerror(errno)))")
    }
}
