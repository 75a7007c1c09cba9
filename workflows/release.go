package workflows

// Release names the shape of the workflows' commands. It changes with every
// change to the commands a run in flight replays, together with a new folder
// of captured histories, workflows/testdata/<Release>/, sealed in
// workflows/testdata/releases.json (docs/versioning.md). Builds of one
// release differ in nothing a replay sees; each build is still its own
// Worker Deployment Version, so runs stay pinned to the binary that started
// them.
const Release = "r6"
