"""A stub OpenAI-compatible server on 127.0.0.1 that plays scripted "models".

It serves `/v1/chat/completions` and `/v1/completions`, streaming (server-sent events) and
not, as the openai backend and other clients call them. The request's `model` field picks who
answers. Every model writes from the prompt it receives: it parses the numbered evidence
block and the listed disagreements, so it answers any question on any corpus.

Faithful models: the evidence itself, every sentence of every item copied verbatim and cited
in one of four styles ("... space. [1]", "... space [1].", "[1][2]", "[1, 2]"), and two that
paraphrase it keeping every number and name. Unfaithful models: the verbatim answer with one
fault put in: an invented number, name or first name, a citation of evidence that does not
exist, a claim stated as fact, one side of a disagreement dropped, a sentence cited to the
wrong evidence. A fault that the evidence of a question gives no opening for (no attributed
claim, no disagreement) is not put in; `Reply.applied` says whether it was.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# -- reading the prompt ------------------------------------------------------------------------

_ITEM = re.compile(r"^\[(\d+)\] (.+)$")
_PAIR = re.compile(r"^- \[(\d+)\] and \[(\d+)\]")


@dataclass
class Prompted:
    evidence: dict[int, str]  # number -> text
    pairs: list[tuple[int, int]]  # the disagreements listed
    question: str


def parse_prompt(prompt: str) -> Prompted:
    evidence: dict[int, str] = {}
    pairs: list[tuple[int, int]] = []
    question = ""
    section = None
    for line in prompt.splitlines():
        if line.strip() in ("Evidence:", "Disagreements:"):
            section = line.strip()
        elif line.startswith("Question:"):
            question, section = line.removeprefix("Question:").strip(), None
        elif section == "Evidence:" and (m := _ITEM.match(line)):
            evidence[int(m[1])] = m[2].strip()
        elif section == "Disagreements:" and (m := _PAIR.match(line)):
            pairs.append((int(m[1]), int(m[2])))
    return Prompted(evidence, pairs, question)


# -- sentences as a model writes them ----------------------------------------------------------

# A full stop, then perhaps a closing quotation mark, then a new sentence (a capital, a digit,
# an opening mark). Not after a title or initials ("Mr. Zelensky", "the U.S. Senate").
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’)]*)\s+(?=[“\"‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {"Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Gov", "Sen", "Rep", "Prof"}


def split(text: str) -> list[str]:
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        last = text[start : m.start()].split()[-1] if text[start : m.start()].split() else ""
        if last.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"(?:[A-Z]\.)+", last):
            continue
        out.append(text[start : m.start() + len(m.group(1))])
        start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def cite(sentence: str, numbers: list[int], style: str) -> str:
    """`sentence` with its marker: after the full stop ("after", "grouped": [1][2]) or before
    it ("before", "comma": [1, 2])."""
    if style == "comma":
        marks = f"[{', '.join(map(str, numbers))}]"
    else:
        marks = "".join(f"[{n}]" for n in numbers)
    if style in ("after", "grouped"):
        return f"{sentence} {marks}"
    m = re.fullmatch(r"(.*?)([.!?]+)([”\"’]*)", sentence, re.S)
    if not m:
        return f"{sentence} {marks}"
    return f"{m[1]}{m[3]} {marks}{m[2]}"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}


def _partner(sentence: str, n: int, p: Prompted) -> int | None:
    """For the grouped styles: the other item that shares most words with the sentence
    (the one a model would cite beside it)."""
    others = [m for m in p.evidence if m != n]
    if not others:
        return None
    return max(others, key=lambda m: (len(_words(sentence) & _words(p.evidence[m])), -abs(m - n)))


def verbatim_parts(p: Prompted) -> list[tuple[int, str]]:
    """(item number, sentence) for every sentence of every item, in order."""
    return [(n, s) for n, text in p.evidence.items() for s in split(text)]


def verbatim(p: Prompted, style: str) -> str:
    out = []
    for n, sentence in verbatim_parts(p):
        numbers = [n]
        if style in ("grouped", "comma") and (m := _partner(sentence, n, p)) is not None:
            numbers.append(m)
        out.append(cite(sentence, numbers, style))
    return " ".join(out)


# -- faithful paraphrase: other words, the same numbers and names ------------------------------

_FILLER = re.compile(
    r"\s\b(?:directly|really|vigorously|initially|separately|repeatedly|officially|also|"
    r"reportedly|publicly|recently|still|then|just)\b(?=[\s,.])",
)
_SYNONYMS = {
    "firm": "company",
    "obtained": "got",
    "declined": "refused",
    "rejected": "turned down",
    "conversation": "talk",
    "recent": "latest",
    "shortly": "soon",
    "because": "since",
    "demands": "conditions",
    "proposal": "plan",
    "suggested": "hinted",
    "terse": "short",
    "permanent": "lasting",
    "criticism": "criticisms",
    "comments": "remarks",
    "however": "but",
    "territories": "regions",
    "allowing": "letting",
    "maintain": "keep",
    "continue": "keep",
    "achieve": "reach",
    "tried": "attempted",
    "echoed": "repeated",
    "endorsed": "backed",
    "welcomed": "praised",
    "aroused": "stirred",
    "indicated": "signalled",
    "accurate": "correct",
    "admired": "respected",
    "detailing": "describing",
    "plans": "intends",
    "requested": "asked for",
    "request": "demand",
}
# Sentence openers a writer lower-cases after a connective ("Also, according to ...").
_OPENERS = frozenset(
    "the a an but and in after it this he she they is are was according speaking asked "
    "here’s multiple making so".split()
)
_CONNECTIVES = ("Also, ", "Meanwhile, ", "In addition, ", "Separately, ")
_QUOTE_THEN_SPEAKER = re.compile(
    r"^“(?P<q>[^“”]+?)[,.]?” (?P<who>(?:[A-Z][\w’'-]+ ){0,2}[A-Z][\w’'-]+) "
    r"(?P<verb>said|wrote|tweeted|added)(?P<rest>[^“”]*)\.$"
)


def _ascii(text: str) -> str:
    return text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))


_PRONOUNS = {
    "I": "he",
    "I’ve": "he has",
    "I'm": "he is",
    "I’m": "he is",
    "me": "him",
    "my": "his",
    "i": "he",
    "i’ve": "he has",
}
_QUOTE_AFTER_VERB = re.compile(
    r"^(?P<head>.*?\b(?:said|wrote|tweeted|added))[,:]? “(?P<q>[^“”]+?)[,.]?”\.?$"
)
# A leading phrase with no name and no number in it ("After sharing his peace proposal last
# week, ..."): a paraphrase may leave it out.
_LEAD = re.compile(r"^(?:After|When|While|Since|In order to|As) [a-z][^,A-Z0-9“”\"]*, ")


def _full_names(evidence: str) -> dict[str, str]:
    """Surname -> "First Surname" for a person the evidence names in full somewhere and by
    surname alone elsewhere ("Musk" -> "Elon Musk")."""
    pairs = set(re.findall(r"\b([A-Z][a-z]+) ([A-Z][a-z]{2,})\b", evidence))
    out = {}
    for first, last in sorted(pairs):
        alone_last = re.search(rf"(?<!\b{first} )\b{last}\b", evidence)
        alone_first = re.search(rf"\b{first}\b(?! {last})", evidence)
        if first.lower() not in _OPENERS and alone_last and not alone_first:
            out[last] = f"{first} {last}"
    return out


def _reword(text: str) -> str:
    for word, other in _SYNONYMS.items():
        text = re.sub(rf"\b{word}\b", other, text)
    return text


def _outside_quotes(sentence: str, change: Callable[[str], str]) -> str:
    """`change` applied to the narrator's words only: a quotation stays as it was said."""
    parts = re.split(r"(“[^“”]*”?)", sentence)
    return "".join(part if part.startswith("“") else change(part) for part in parts)


def paraphrase_sentence(sentence: str, i: int, names: dict[str, str]) -> str:
    """Reworded as a model would: quotations turned round ("X said: “Q.”") or into reported
    speech ("X said that Q", pronouns changed), a leading phrase without names left out,
    filler dropped, synonyms, one surname given in full as the evidence writes it elsewhere,
    and a connective before every other sentence. Numbers, names and speakers are kept."""
    m = _QUOTE_THEN_SPEAKER.match(sentence)
    if m:
        sentence = f"{m['who']} {m['verb']}{m['rest']}: “{m['q']}.”"
    m = _QUOTE_AFTER_VERB.match(sentence)
    if m and i % 3 == 0:  # reported speech
        words = [_PRONOUNS.get(w, w) for w in m["q"].split(" ")]
        sentence = f"{m['head']} that {' '.join(words)}."
    sentence = _LEAD.sub("", sentence, count=1)
    sentence = sentence[0].upper() + sentence[1:] if sentence else sentence
    sentence = _FILLER.sub("", sentence)
    sentence = _outside_quotes(sentence, _reword)
    for last, full in names.items():  # "Musk" -> "Elon Musk", once
        first = full.split()[0]
        new = re.sub(rf"(?<!\b{first} )\b{last}\b", full, sentence, count=1)
        if new != sentence:
            sentence = new
            break
    if i % 2 == 1 and sentence[:1].isalpha():
        first = sentence.split()[0]
        if first.lower() in _OPENERS:
            sentence = sentence[0].lower() + sentence[1:]
        if first.lower() in {"but", "and", "so"}:
            sentence = sentence.split(" ", 1)[1]
        sentence = _CONNECTIVES[i // 2 % len(_CONNECTIVES)] + sentence
    return sentence


def paraphrase(p: Prompted, style: str, ascii_only: bool) -> str:
    names = _full_names(" ".join(p.evidence.values()))
    out = []
    for i, (n, sentence) in enumerate(verbatim_parts(p)):
        text = paraphrase_sentence(sentence, i, names)
        out.append(cite(_ascii(text) if ascii_only else text, [n], style))
    return " ".join(out)


# -- unfaithful: the verbatim answer with one fault put in -------------------------------------

_INVENTED_NAMES = ("Macron", "Scholz", "Erdogan", "Modi", "Lula")
_INVENTED_FIRST = ("Hunter", "Kimbal", "Maxwell", "Conrad")
# A person's surname: a capitalised word before a reporting verb or a possessive.
_SURNAME = re.compile(
    r"(?<![\w’'-])[A-Z][a-z]{3,}(?=[’']s\b|\s+(?:said|told|wrote|tweeted|denied|claimed)\b)"
)
_NAME_IN_SENTENCE = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b")
_NUMBER = re.compile(r"\b\d+\b")
_CLAIM_PATTERNS = (
    # "“I only spoke to Putin once ...,” Musk wrote on Twitter." -> the quotation, as fact
    re.compile(r"^“(?P<claim>[^“”]{20,}?)[,.]?” (?:[A-Z][\w’'-]+ ){1,3}(?:said|wrote|tweeted)"),
    # "X wrote: “...”" / "X said, “...”"
    re.compile(r"\b(?:said|wrote|tweeted)[,:]? “(?P<claim>[^“”]{20,}?)[,.]?”"),
    # "According to X, ..."
    re.compile(r"^According to [^,]+, (?P<claim>.{20,})$"),
    # "... claimed that ...", "... told him that ..."
    re.compile(r"\b(?:claimed|claims|said|wrote|insisted|alleged) that (?P<claim>.{20,})$"),
)


def _sentence_end(sentence: str) -> int:
    m = re.search(r"[.!?]*[”\"’]*$", sentence)
    return m.start() if m else len(sentence)


def _faulty(p: Prompted, fault: str) -> tuple[str, bool]:
    parts = [[n, s] for n, s in verbatim_parts(p)]
    everything = " ".join(p.evidence.values())
    applied = False
    if fault == "invent-number":
        for part in parts:
            numbers = _NUMBER.findall(part[1])
            if numbers:
                new = str(int(numbers[0]) + 7)
                while new in everything:
                    new = str(int(new) + 7)
                part[1] = _NUMBER.sub(new, part[1], count=1)
                break
        else:  # no number anywhere: a year nobody wrote
            year = next(y for y in range(2011, 2100) if str(y) not in everything)
            end = _sentence_end(parts[0][1])
            parts[0][1] = f"{parts[0][1][:end]} in {year}{parts[0][1][end:]}"
        applied = True
    elif fault == "invent-name":
        invented = next(n for n in _INVENTED_NAMES if n.lower() not in everything.lower())
        for part in parts:
            m = _NAME_IN_SENTENCE.search(part[1])
            if m:
                part[1] = part[1][: m.start()] + invented + part[1][m.end() :]
                break
        else:
            end = _sentence_end(parts[0][1])
            parts[0][1] = f"{parts[0][1][:end]}, said {invented}{parts[0][1][end:]}"
        applied = True
    elif fault == "invent-first-name":
        # someone else of the same surname: "Hunter Musk" for the "Musk" of the evidence
        invented = next(n for n in _INVENTED_FIRST if n.lower() not in everything.lower())
        for part in parts:
            for m in _SURNAME.finditer(part[1]):
                before = part[1][: m.start()].split()
                if before and before[-1][:1].isupper():
                    continue  # written in full already ("Elon Musk")
                part[1] = f"{part[1][: m.start()]}{invented} {part[1][m.start() :]}"
                applied = True
                break
            if applied:
                break
    elif fault == "cite-missing":
        parts[-1][0] = max(p.evidence) + 1
        applied = True
    elif fault == "claim-as-fact":
        for part in parts:
            for pattern in _CLAIM_PATTERNS:
                m = pattern.search(part[1])
                if m:
                    claim = m["claim"].strip().rstrip(".,").strip('“”"')
                    part[1] = claim[0].upper() + claim[1:] + "."
                    applied = True
                    break
            if applied:
                break
    elif fault == "drop-side":
        if p.pairs:
            dropped = p.pairs[0][1]
            parts = [part for part in parts if part[0] != dropped]
            applied = bool(parts)
    elif fault == "wrong-citation":
        # the first sentence cited to the item that shares the fewest words with it
        n, sentence = parts[0]
        others = [m for m in p.evidence if m != n]
        if others:
            parts[0][0] = min(others, key=lambda m: len(_words(sentence) & _words(p.evidence[m])))
            applied = True
    if not parts:
        return "", False
    return " ".join(cite(s, [n], "after") for n, s in parts), applied


# -- the models --------------------------------------------------------------------------------

FAITHFUL_VERBATIM = ("verbatim-after", "verbatim-before", "verbatim-grouped", "verbatim-comma")
FAITHFUL_PARAPHRASE = ("paraphrase", "paraphrase-ascii")
UNFAITHFUL = (
    "invent-number",
    "invent-name",
    "invent-first-name",
    "cite-missing",
    "claim-as-fact",
    "drop-side",
    "wrong-citation",
)


def reply_for(model: str, prompt: str) -> tuple[str, bool]:
    """(the model's answer, whether its fault was put in: True for the faithful models)."""
    p = parse_prompt(prompt)
    if not p.evidence:
        return "The articles do not say.", True
    if model in FAITHFUL_VERBATIM:
        return verbatim(p, model.removeprefix("verbatim-")), True
    if model == "paraphrase":
        return paraphrase(p, "after", ascii_only=False), True
    if model == "paraphrase-ascii":
        return paraphrase(p, "before", ascii_only=True), True
    if model in UNFAITHFUL:
        return _faulty(p, model)
    raise KeyError(model)


# -- the server --------------------------------------------------------------------------------


@dataclass
class Reply:
    model: str
    prompt: str
    text: str
    applied: bool


@dataclass
class StubServer:
    """`with StubServer() as stub:` serves on `stub.base_url` until the block ends."""

    replies: list[Reply] = field(default_factory=list)
    answer: Callable[[str, str], tuple[str, bool]] = reply_for

    def __enter__(self) -> StubServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # each event goes out as written (no 40 ms wait for an acknowledgement)
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    models = [*FAITHFUL_VERBATIM, *FAITHFUL_PARAPHRASE, *UNFAITHFUL]
                    self._json(200, {"object": "list", "data": [{"id": m} for m in models]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                chat = self.path.rstrip("/").endswith("/chat/completions")
                if not chat and not self.path.rstrip("/").endswith("/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                prompt = body["messages"][-1]["content"] if chat else body["prompt"]
                model = body.get("model", "")
                try:
                    text, applied = stub.answer(model, prompt)
                except KeyError:
                    self._json(404, {"error": {"message": f"no model {model!r}"}})
                    return
                stub.replies.append(Reply(model, prompt, text, applied))
                if body.get("stream"):
                    self._stream(model, text, chat)
                else:
                    self._json(200, _completion(model, text, chat))

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, model: str, text: str, chat: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                # a few words an event, as models stream (one a word is slow to parse)
                for token in re.findall(r"(?:\S+\s*){1,6}|\s+", text):
                    self._event(_chunk(model, token, chat, None))
                self._event(_chunk(model, "", chat, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, payload: dict) -> None:
                self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"


def _chunk(model: str, token: str, chat: bool, finish: str | None) -> dict:
    if chat:
        choice = {"index": 0, "delta": {"content": token} if token else {}, "finish_reason": finish}
        kind = "chat.completion.chunk"
    else:
        choice = {"index": 0, "text": token, "logprobs": None, "finish_reason": finish}
        kind = "text_completion"
    return {
        "id": "stub",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
    }


def _completion(model: str, text: str, chat: bool) -> dict:
    tokens = len(text.split())
    if chat:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
        }
        kind = "chat.completion"
    else:
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}
        kind = "text_completion"
    return {
        "id": "stub",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {"prompt_tokens": 0, "completion_tokens": tokens, "total_tokens": tokens},
    }
