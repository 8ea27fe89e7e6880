// Package transfer moves files between iwo and its partners: employers,
// the federal e-IWO portal, payroll providers, banks and the agency's own
// operations drop box.
//
// Jobs depend on the small [Remote] interface. Three things implement it:
//
//   - [Dial] connects to a partner over SFTP (golang.org/x/crypto/ssh and
//     github.com/pkg/sftp). The partner's host key must be pinned: a
//     [Partner] without one is refused, and there is no way to skip the
//     check.
//   - [OpenLocal] serves a local directory tree, for development and for
//     partners that drop files on a shared disk.
//   - [NewRetry] wraps either one and retries an operation with backoff,
//     reconnecting first, when the connection failed ([ErrConnection]).
//
// The rules every implementation keeps:
//
//   - Upload ([Remote.Put]) writes to a hidden temporary name and renames it
//     into place (posix-rename@openssh.com when the server offers it), so a
//     partner never picks up half a file. It never overwrites a different
//     file: an identical file already there counts as done, a different one
//     makes Put choose another name.
//   - Download ([Remote.Fetch]) streams the file into a staging directory
//     under a sanitised name, checks the byte count against the size the
//     server reported and computes the SHA-256, and leaves the remote file
//     alone. The caller records it in the ledger, applies it, and only then
//     calls [Finish] (archive or delete) or [Quarantine].
//   - [ListReady] skips dotfiles, names that are unsafe as local paths, and
//     files still growing (same size and time across two looks).
//   - Remote names are never used as local paths without [SafeName].
//
// [StartServer] runs an SFTP server in-process, rooted in a directory,
// for tests and for the demo.
package transfer
