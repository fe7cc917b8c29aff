"""Chinese text analysis for catalog search: the one place that turns documents and queries
into tokens, so every search backend (tantivy over pre-segmented text, PostgreSQL full text,
anything later) finds the same things.

Documents — a backend indexes three fields:

- `index_tokens(text)` → WORDS: search-mode words (rjieba with the government-terms
  dictionary in data/dictionary.txt): 杭州市公交站点信息 → 杭州, 州市, 杭州市, 公交, 站点,
  公交站, 公交站点, 信息; codes and numbers whole (pm2.5). Repeats are kept for term frequency.
- `char_tokens(text)` → CHARS: every Chinese character, for one-character queries (学) and
  words the segmenter does not know. Kept out of WORDS so common characters (省, 市, 局) do not
  skew word statistics; give the field a low boost. A backend with one field may call
  `index_tokens(text, chars=True)` instead.
- `pinyin_tokens(text)` → PINYIN, for short fields only (title, keywords, department): full
  pinyin and initials of each word and of the whole text (gongjiao, gj, gongjiaozhandian, gjzd).

Queries — `analyze_query(q)` gives a `Query`: terms that must all match, each with
`Alternative`s of which one must match (all of its tokens in its field; side by side where
`phrase` is set). Alternatives cover what was typed, the parts of a compound (企业信用 → 企业 +
信用), synonyms both ways within a group of data/synonyms.yaml (公交 ≈ 公共交通 ≈ 巴士), the
PINYIN field for Latin letters that read as pinyin or initials (jiaotong, jt) and, for pinyin
of one of our words, that word and its synonyms (chongdianzhuang → 充电桩, 充电站), and the
term's characters as a phrase in CHARS (a single character, or a word the dictionary cut
otherwise in the document). Each alternative has a `weight` for ranking. `Query.matches(fields)`
is the reference meaning; "…" or “…” ask for the words inside as typed. `analyze_query` never
raises.

Both sides go through `normalize`: full-width → half-width (ＰＭ２．５ → pm2.5), traditional →
simplified (醫院 → 医院), lower case, accents and invisible characters removed, whitespace
collapsed. It is idempotent.

Did you mean — `Speller(vocabulary)` over the index's {word: document frequency};
`speller.suggest(q)` corrects each word the vocabulary lacks through its pinyin first (公焦 →
公交), then edit distance one, or returns None.

Everything heavy (segmenter and dictionary, converter tables, synonyms) loads on first use,
once per process and thread-safely; results are deterministic for given data files. Changing
the dictionary changes how documents are cut: rebuild the index after editing it.
"""

from __future__ import annotations

from kaifang.search.analysis.data import AnalysisDataError
from kaifang.search.analysis.normalize import normalize
from kaifang.search.analysis.pinyin import pinyin_tokens
from kaifang.search.analysis.query import (
    CHARS,
    PINYIN,
    WORDS,
    Alternative,
    Query,
    Term,
    analyze_query,
)
from kaifang.search.analysis.segment import char_tokens, index_tokens
from kaifang.search.analysis.spelling import Speller

__all__ = [
    "CHARS",
    "PINYIN",
    "WORDS",
    "Alternative",
    "AnalysisDataError",
    "Query",
    "Speller",
    "Term",
    "analyze_query",
    "char_tokens",
    "index_tokens",
    "normalize",
    "pinyin_tokens",
]
