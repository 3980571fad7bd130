use super::*;

#[test]
fn every_key_has_both_languages_with_the_same_values() {
    let en = parse(EN).unwrap();
    let zh = parse(ZH).unwrap();
    let en_keys: Vec<&String> = en.keys().collect();
    let zh_keys: Vec<&String> = zh.keys().collect();
    assert_eq!(en_keys, zh_keys, "the two catalogues have other keys");
    let mut patterns = std::collections::HashSet::new();
    for (key, english) in &en {
        let e = Template::pattern(english).unwrap_or_else(|e| panic!("{key}: {e}"));
        let z = Template::parse(&zh[key]).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(
            e.names(),
            z.names(),
            "{key}: other values in the two languages"
        );
        assert!(
            !zh[key].trim().is_empty() && zh[key] != *english
                || english.starts_with("unsupported_grant_type"),
            "{key} is not translated"
        );
        assert!(
            patterns.insert(english.clone()),
            "{key}: the same English text twice"
        );
    }
    assert_eq!(CATALOGUE.len(), en.len(), "every entry compiles");
}

#[test]
fn accept_language_is_negotiated_with_q_values() {
    assert_eq!(negotiate(None), Lang::En);
    assert_eq!(negotiate(Some("zh-CN")), Lang::Zh);
    assert_eq!(negotiate(Some("zh")), Lang::Zh);
    assert_eq!(negotiate(Some("ZH-cn,zh;q=0.9")), Lang::Zh);
    assert_eq!(negotiate(Some("zh-Hans-CN")), Lang::Zh);
    assert_eq!(negotiate(Some("en-US,en;q=0.9,zh-CN;q=0.8")), Lang::En);
    assert_eq!(negotiate(Some("en;q=0.5, zh-CN;q=0.8")), Lang::Zh);
    assert_eq!(negotiate(Some("fr-FR, zh;q=0.3")), Lang::Zh);
    assert_eq!(negotiate(Some("zh;q=0, en;q=0.1")), Lang::En);
    assert_eq!(negotiate(Some("zh;q=0")), Lang::En);
    assert_eq!(negotiate(Some("fr, de")), Lang::En);
    assert_eq!(negotiate(Some("*")), Lang::En);
    assert_eq!(
        negotiate(Some("zh-CN;q=abc")),
        Lang::Zh,
        "a bad weight counts as 1"
    );
    assert_eq!(negotiate(Some("")), Lang::En);
}

#[test]
fn messages_are_recognised_and_their_values_kept() {
    let zh = |s: &str| translate(s, Lang::Zh);
    assert_eq!(zh("Not Found"), "未找到");
    assert_eq!(
        zh("no such record, or it is outside your scope"),
        "没有该记录，或它不在您的权限范围内"
    );
    assert_eq!(
        zh("uscc: the check character is wrong: it should be 8"),
        "uscc：校验码错误：应为 8"
    );
    assert_eq!(
        zh("line 7, phone: must be an 11-digit mobile number starting with 1, optionally +86"),
        "第 7 行，phone：须为以 1 开头的 11 位手机号码，可带 +86"
    );
    assert_eq!(zh("3 fields are invalid"), "3 个字段无效");
    assert_eq!(
        zh("length must be between 1 and 100"),
        "长度须在 1 到 100 之间"
    );
    assert_eq!(
        zh("a cooperative with USCC 93500119MA5U7K3L78 is already registered"),
        "统一社会信用代码为 93500119MA5U7K3L78 的合作社已登记"
    );
    assert_eq!(
        zh("the role observer may not change cooperatives"),
        "角色 observer 无权修改合作社"
    );
    // Unknown text stays as it is; English stays English.
    assert_eq!(zh("something new went wrong"), "something new went wrong");
    assert_eq!(translate("Not Found", Lang::En), "Not Found");
}

#[test]
fn templates_match_whole_texts_only() {
    let t = Template::parse("cooperative {id} is {status}, not active").unwrap();
    assert_eq!(
        t.matches("cooperative 4 is deregistered, not active"),
        Some(vec![("id", "4"), ("status", "deregistered")])
    );
    assert_eq!(
        t.matches("cooperative 4 is deregistered, not active!"),
        None
    );
    assert_eq!(
        t.matches("cooperative  is x, not active"),
        None,
        "values are non-empty"
    );
    assert!(Template::pattern("{a}{b}").is_err());
    assert!(
        Template::parse("{a}{b}").is_ok(),
        "a translation may join values"
    );
    assert!(Template::parse("open {a").is_err());
}
