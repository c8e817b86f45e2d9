import pytest

from chizai.lib.textsim import cosine, ngrams, normalize, rank

DOCUMENTS = [
    "人材採用の強化と社内の育成制度を整え、技術者の確保を進めた。",
    "海外での商標出願を進め、現地代理店との契約で輸出のブランドを守った。",
    "新製品の開発で特許出願を行い、大学との共同研究を始めた。",
]


def test_it_normalizes_width_case_spaces_and_punctuation() -> None:
    assert normalize("ＡＢＣ　株式会社、「知財」！") == "abc株式会社知財"
    assert normalize("ﾌﾞﾗﾝﾄﾞ") == "ブランド"
    assert normalize("") == ""


def test_it_makes_character_bigrams_and_trigrams() -> None:
    assert ngrams("海外展開") == {"海外": 1, "外展": 1, "展開": 1, "海外展": 1, "外展開": 1}
    assert ngrams("知") == {"知": 1}
    assert ngrams("　、") == {}


def test_it_ranks_the_overseas_trademark_document_above_the_hiring_one() -> None:
    ranked = rank("海外展開と商標", DOCUMENTS)
    order = [index for index, _ in ranked]
    assert order[0] == 1
    assert 0 not in order or order.index(1) < order.index(0)


def test_it_scores_identical_text_as_one() -> None:
    [(index, score)] = rank(DOCUMENTS[2], DOCUMENTS, limit=1)
    assert index == 2
    assert score == pytest.approx(1.0)


def test_it_treats_half_width_katakana_like_full_width() -> None:
    ranked = rank("ﾌﾞﾗﾝﾄﾞ", ["ブランドの確立", "人材の確保"])
    assert [index for index, _ in ranked] == [0]


def test_it_limits_the_results() -> None:
    assert len(rank("出願", DOCUMENTS, limit=1)) == 1


def test_it_handles_empty_texts() -> None:
    assert rank("", DOCUMENTS) == []
    assert rank("商標", []) == []
    assert [index for index, _ in rank("商標", ["", "商標の出願"])] == [1]
    assert cosine({}, {"a": 1.0}) == 0.0


def test_it_leaves_out_documents_with_nothing_in_common() -> None:
    assert rank("営業秘密", ["海外展開", "人材採用"]) == []
