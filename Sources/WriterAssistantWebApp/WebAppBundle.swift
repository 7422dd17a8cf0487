import Foundation

/// The writer's web app: static HTML, CSS and JavaScript modules under `Site/`, shipped as package
/// resources and built by nobody (no build step, no npm). The executable hands `root` to the HTTP
/// layer, which serves whatever folder it is given and knows nothing of this bundle.
public enum WebAppBundle {
    /// Where the bundled files are, or nil when the binary was copied without its resource bundle
    /// (the API still works; only the page is missing).
    public static var root: String? {
        Bundle.module.url(forResource: "Site", withExtension: nil)?.path
    }
}
