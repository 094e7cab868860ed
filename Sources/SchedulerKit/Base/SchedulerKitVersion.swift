/// The library's version, sent as `User-Agent: SchedulerKit/<version>` and recorded by schedulers.
public enum SchedulerKitVersion {
    public static let string = "0.1.0"
}
