//! The 47 prefectures (JIS X 0401 order) with their Japanese and English names.

use super::codes::PrefectureCode;

/// Code number, Japanese name as written in N03's `N03_001`, English name.
const PREFECTURES: [(u8, &str, &str); 47] = [
    (1, "北海道", "Hokkaido"),
    (2, "青森県", "Aomori"),
    (3, "岩手県", "Iwate"),
    (4, "宮城県", "Miyagi"),
    (5, "秋田県", "Akita"),
    (6, "山形県", "Yamagata"),
    (7, "福島県", "Fukushima"),
    (8, "茨城県", "Ibaraki"),
    (9, "栃木県", "Tochigi"),
    (10, "群馬県", "Gunma"),
    (11, "埼玉県", "Saitama"),
    (12, "千葉県", "Chiba"),
    (13, "東京都", "Tokyo"),
    (14, "神奈川県", "Kanagawa"),
    (15, "新潟県", "Niigata"),
    (16, "富山県", "Toyama"),
    (17, "石川県", "Ishikawa"),
    (18, "福井県", "Fukui"),
    (19, "山梨県", "Yamanashi"),
    (20, "長野県", "Nagano"),
    (21, "岐阜県", "Gifu"),
    (22, "静岡県", "Shizuoka"),
    (23, "愛知県", "Aichi"),
    (24, "三重県", "Mie"),
    (25, "滋賀県", "Shiga"),
    (26, "京都府", "Kyoto"),
    (27, "大阪府", "Osaka"),
    (28, "兵庫県", "Hyogo"),
    (29, "奈良県", "Nara"),
    (30, "和歌山県", "Wakayama"),
    (31, "鳥取県", "Tottori"),
    (32, "島根県", "Shimane"),
    (33, "岡山県", "Okayama"),
    (34, "広島県", "Hiroshima"),
    (35, "山口県", "Yamaguchi"),
    (36, "徳島県", "Tokushima"),
    (37, "香川県", "Kagawa"),
    (38, "愛媛県", "Ehime"),
    (39, "高知県", "Kochi"),
    (40, "福岡県", "Fukuoka"),
    (41, "佐賀県", "Saga"),
    (42, "長崎県", "Nagasaki"),
    (43, "熊本県", "Kumamoto"),
    (44, "大分県", "Oita"),
    (45, "宮崎県", "Miyazaki"),
    (46, "鹿児島県", "Kagoshima"),
    (47, "沖縄県", "Okinawa"),
];

/// A prefecture's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefectureInfo {
    /// Its code.
    pub code: PrefectureCode,
    /// Japanese name, e.g. 東京都.
    pub name: &'static str,
    /// English name, e.g. Tokyo.
    pub name_en: &'static str,
}

fn info((number, name, name_en): (u8, &'static str, &'static str)) -> Option<PrefectureInfo> {
    Some(PrefectureInfo {
        code: PrefectureCode::from_number(number)?,
        name,
        name_en,
    })
}

/// All 47, in code order.
pub fn all() -> impl Iterator<Item = PrefectureInfo> {
    PREFECTURES.into_iter().filter_map(info)
}

/// The prefecture with this code.
pub fn by_code(code: PrefectureCode) -> Option<PrefectureInfo> {
    all().find(|p| p.code == code)
}

/// The prefecture with this Japanese name (as in N03's `N03_001`).
pub fn by_name(name: &str) -> Option<PrefectureInfo> {
    all().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_seven_in_order() {
        let numbers: Vec<u8> = all().map(|p| p.code.number()).collect();
        assert_eq!(numbers, (1..=47).collect::<Vec<_>>());
        assert_eq!(by_name("東京都").map(|p| p.code.number()), Some(13));
    }
}
