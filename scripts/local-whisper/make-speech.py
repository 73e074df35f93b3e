#!/usr/bin/env python3
"""Real speech with known words at known times, for the local engine's tests and benchmark.

  make-speech.py OUT.wav OUT.json --seconds S [--seed N]
      espeak-ng reads sentences made from templates (seeded: the same text every run), one
      clip per sentence, trimmed of its own silence and joined with 0.4 s between sentences
      and 2.0 s between paragraphs (long enough for the pipeline's silence cuts). OUT.json:
      {"text", "duration", "sentences": [{"text", "start", "end", "paragraph"}]}, times in
      seconds of OUT.wav (mono, 16-bit, espeak-ng's 22,050 Hz), measured on the samples.
  make-speech.py --wer REFERENCE.txt HYPOTHESIS.txt
      prints the word error rate in percent (lowercase words, punctuation dropped).
"""
import array, json, random, re, subprocess, sys, tempfile, wave

SUBJECTS = ["the old farmer", "a young teacher", "the river", "my neighbour", "the small boat", "our team",
            "the city council", "a quiet student", "the baker", "her brother", "the train", "the museum guide",
            "a tired doctor", "the children", "the captain", "his sister", "the night nurse", "a local writer"]
VERBS = ["walked slowly towards", "looked carefully at", "talked about", "painted a picture of", "found a letter near",
         "waited for hours beside", "cleaned the windows of", "wrote a short story about", "carried fresh bread to",
         "forgot everything about", "opened the door of", "listened to the wind over", "built a wooden fence around",
         "asked a question about", "sold apples outside", "sang a song about"]
OBJECTS = ["the green hills", "the market square", "the empty station", "the library", "the harbour", "the garden",
           "the bridge", "the mountain road", "the school", "the bakery", "the castle", "the forest path",
           "the village church", "the farmhouse", "the quiet lake", "the hospital"]
ENDINGS = ["before the rain started", "early in the morning", "while everyone else was sleeping", "after a long winter",
           "on a bright summer day", "without saying a word", "because the weather was cold", "late in the evening",
           "when the bells began to ring", "as the sun went down", "during the busy holiday", "with a happy smile"]


def sentences(rng):
    while True:
        yield "%s %s %s %s." % (rng.choice(SUBJECTS).capitalize(), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(ENDINGS))


def speak(text, folder):
    path = folder + "/s.wav"
    subprocess.run(["espeak-ng", "-w", path, text], check=True)
    with wave.open(path) as w:
        rate = w.getframerate()
        samples = array.array("h", w.readframes(w.getnframes()))
    loud = [i for i, x in enumerate(samples) if abs(x) > 300]
    return rate, samples[loud[0]:loud[-1] + 1]


def make(out_wav, out_json, seconds, seed):
    rng = random.Random(seed)
    source = sentences(rng)
    audio, items, rate, t = array.array("h"), [], 22050, 0.0
    with tempfile.TemporaryDirectory() as folder:
        paragraph = 0
        while t < seconds:
            for index in range(rng.randint(2, 4)):
                text = next(source)
                rate, clip = speak(text, folder)
                if index:
                    audio.extend([0] * int(0.4 * rate))
                start = len(audio) / rate
                audio.extend(clip)
                items.append({"text": text, "start": round(start, 3), "end": round(len(audio) / rate, 3), "paragraph": paragraph})
            audio.extend([0] * int(2.0 * rate))
            t = len(audio) / rate
            paragraph += 1
    with wave.open(out_wav, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(audio.tobytes())
    json.dump({"text": " ".join(s["text"] for s in items), "duration": round(len(audio) / rate, 3), "sentences": items},
              open(out_json, "w"), indent=1)


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def wer(reference, hypothesis):
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return 100.0 * row[-1] / max(1, len(ref))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--wer":
        print("%.2f" % wer(open(args[1]).read(), open(args[2]).read()))
    else:
        seconds = float(args[args.index("--seconds") + 1])
        seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 14
        make(args[0], args[1], seconds, seed)
