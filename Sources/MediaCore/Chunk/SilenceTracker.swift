import Foundation

/// Per-window energies of a stream and the silent runs among them. A window is `frames` long
/// (10 ms); window k covers frames `[k·frames, (k+1)·frames)`. Energies are kept only as far
/// back as the chunker may still need them.
struct SilenceTracker {
    let windowFrames: Int
    let channels: Int
    /// Mean square below which a window is silent.
    let threshold: Float
    let minRunWindows: Int

    /// Energies of complete windows `base ..< base + energies.count`.
    private(set) var energies: [Float] = []
    private(set) var base = 0
    private var partialSum: Float = 0
    /// Frames in the window being filled.
    private(set) var partialFrames = 0

    /// First window of the silent run in progress, if the last complete window is silent.
    private(set) var runStart: Int?
    /// Start frame of the latest run that is long enough and began after `notBefore`.
    private(set) var latestQualifiedStart: Int64?
    /// Runs starting at or before this frame are not candidates (they hold the last cut).
    private(set) var notBefore: Int64 = 0

    init(sampleRate: Int, channels: Int, thresholdDB: Double, minSilenceSeconds: Double) {
        windowFrames = max(1, sampleRate / 100)
        self.channels = channels
        threshold = Float(pow(10.0, thresholdDB / 10.0))
        minRunWindows = max(1, Int((minSilenceSeconds * Double(sampleRate) / Double(windowFrames)).rounded(.up)))
    }

    /// The index of the window after the last complete one.
    var completeWindows: Int { base + energies.count }

    func isSilent(_ window: Int) -> Bool { energies[window - base] < threshold }
    func energy(_ window: Int) -> Float { energies[window - base] }

    /// Adds interleaved samples to the analysis.
    mutating func add(_ samples: UnsafeBufferPointer<Float>) {
        var index = 0
        let windowSamples = windowFrames * channels
        var filled = partialFrames * channels
        var sum = partialSum
        while index < samples.count {
            let take = min(windowSamples - filled, samples.count - index)
            var acc: Float = 0
            for i in index..<(index + take) {
                let s = samples[i]
                acc += s * s
            }
            sum += acc
            filled += take
            index += take
            if filled == windowSamples {
                closeWindow(energy: sum / Float(windowSamples))
                sum = 0
                filled = 0
            }
        }
        partialSum = sum
        partialFrames = filled / channels
    }

    private mutating func closeWindow(energy: Float) {
        let window = completeWindows
        energies.append(energy)
        track(window)
    }

    private mutating func track(_ window: Int) {
        guard isSilent(window) else {
            runStart = nil
            return
        }
        let start = runStart ?? window
        runStart = start
        let startFrame = Int64(start * windowFrames)
        if window - start + 1 >= minRunWindows && startFrame > notBefore {
            latestQualifiedStart = startFrame
        }
    }

    /// Starts tracking afresh after a cut at `frame`: runs holding the cut are not candidates,
    /// energies before it are dropped, and runs seen since are found again.
    mutating func restart(afterCutAt frame: Int64) {
        notBefore = frame
        let first = Int(frame / Int64(windowFrames))
        if first > base {
            energies.removeFirst(min(first - base, energies.count))
            base = first
        }
        runStart = nil
        latestQualifiedStart = nil
        for window in base..<completeWindows { track(window) }
    }

    /// The cut point of the latest long-enough silence that began after the last cut, at its
    /// quietest window's middle, among windows whose middle lies in `[lowest, highest)`.
    /// Ties (digital silence) go to the window nearest the middle of the candidates.
    func quietestPoint(lowest: Int64, highest: Int64) -> Int64? {
        let firstEligible = Int(notBefore / Int64(windowFrames)) + 1
        var window = completeWindows - 1
        while window >= firstEligible {
            guard isSilent(window) else { window -= 1; continue }
            let runEnd = window
            while window >= firstEligible && isSilent(window) { window -= 1 }
            let runFirst = window + 1
            // The run continues through the window that holds the last cut: not a candidate.
            if runFirst == firstEligible && runFirst - 1 >= base && isSilent(runFirst - 1) { return nil }
            guard runEnd - runFirst + 1 >= minRunWindows else { continue }
            let half = Int64(windowFrames / 2)
            var best: [Int] = []
            var bestEnergy = Float.infinity
            for k in runFirst...runEnd {
                let middle = Int64(k * windowFrames) + half
                guard middle >= lowest && middle < highest else { continue }
                let e = energy(k)
                if e < bestEnergy * 0.999 || best.isEmpty {
                    if e < bestEnergy { bestEnergy = e }
                    best = [k]
                } else if e <= bestEnergy * 1.001 {
                    best.append(k)
                }
            }
            guard !best.isEmpty else { return nil }
            let chosen = best[best.count / 2]
            return Int64(chosen * windowFrames) + half
        }
        return nil
    }
}
