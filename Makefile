# The two commands of the README.
.PHONY: demo test build bench

build:
	scripts/setup.sh
	swift build -c release --static-swift-stdlib --product runner

demo: build
	.build/release/runner chunk fixtures/audio --out out/chunks --max-seconds 20 --min-seconds 5
	.build/release/runner process fixtures/uploads --out out/uploads
	@echo "chunks and manifests: out/chunks/<input>/; narration and transcription jobs: out/uploads/jobs/<job_id>/"

test:
	scripts/test.sh

bench: build
	benchmarks/chunking.sh
