//! Kinds of municipality, as the survey groups them.
//!
//! The kind is not in N03: 政令指定都市 and 中核市 are designations by cabinet order, so the
//! lists below are the designations in force on the survey's reference date, 2023-04-01.

use std::fmt;

use super::codes::AuthorityCode;

/// What kind of municipality an authority is. Stored as its name ([`Self::as_str`]); a row
/// holding any other text fails to read, so a kind is parsed once, where it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum MunicipalityKind {
    /// 政令指定都市 (20).
    DesignatedCity,
    /// 中核市 (62 on 2023-04-01).
    CoreCity,
    /// 特別区, Tokyo's 23 wards (13101-13123).
    SpecialWard,
    /// Any other 市.
    City,
    /// 町.
    Town,
    /// 村.
    Village,
}

/// The 20 designated cities: five-digit code and name.
pub const DESIGNATED_CITIES: [(&str, &str); 20] = [
    ("01100", "札幌市"),
    ("04100", "仙台市"),
    ("11100", "さいたま市"),
    ("12100", "千葉市"),
    ("14100", "横浜市"),
    ("14130", "川崎市"),
    ("14150", "相模原市"),
    ("15100", "新潟市"),
    ("22100", "静岡市"),
    ("22130", "浜松市"),
    ("23100", "名古屋市"),
    ("26100", "京都市"),
    ("27100", "大阪市"),
    ("27140", "堺市"),
    ("28100", "神戸市"),
    ("33100", "岡山市"),
    ("34100", "広島市"),
    ("40100", "北九州市"),
    ("40130", "福岡市"),
    ("43100", "熊本市"),
];

/// The 62 core cities on 2023-04-01, by prefecture number and name (names are unique within a prefecture).
pub const CORE_CITIES: [(u8, &str); 62] = [
    (1, "旭川市"),
    (1, "函館市"),
    (2, "青森市"),
    (2, "八戸市"),
    (3, "盛岡市"),
    (5, "秋田市"),
    (6, "山形市"),
    (7, "福島市"),
    (7, "郡山市"),
    (7, "いわき市"),
    (8, "水戸市"),
    (9, "宇都宮市"),
    (10, "前橋市"),
    (10, "高崎市"),
    (11, "川越市"),
    (11, "川口市"),
    (11, "越谷市"),
    (12, "船橋市"),
    (12, "柏市"),
    (13, "八王子市"),
    (14, "横須賀市"),
    (16, "富山市"),
    (17, "金沢市"),
    (18, "福井市"),
    (19, "甲府市"),
    (20, "長野市"),
    (20, "松本市"),
    (21, "岐阜市"),
    (23, "豊橋市"),
    (23, "岡崎市"),
    (23, "豊田市"),
    (23, "一宮市"),
    (25, "大津市"),
    (27, "豊中市"),
    (27, "吹田市"),
    (27, "高槻市"),
    (27, "枚方市"),
    (27, "八尾市"),
    (27, "寝屋川市"),
    (27, "東大阪市"),
    (28, "姫路市"),
    (28, "尼崎市"),
    (28, "明石市"),
    (28, "西宮市"),
    (29, "奈良市"),
    (30, "和歌山市"),
    (31, "鳥取市"),
    (32, "松江市"),
    (33, "倉敷市"),
    (34, "呉市"),
    (34, "福山市"),
    (35, "下関市"),
    (37, "高松市"),
    (38, "松山市"),
    (39, "高知市"),
    (40, "久留米市"),
    (42, "長崎市"),
    (42, "佐世保市"),
    (44, "大分市"),
    (45, "宮崎市"),
    (46, "鹿児島市"),
    (47, "那覇市"),
];

/// The six villages of the Northern Territories (01695-01700): counted by Japan, not administered.
pub fn is_not_administered(code: AuthorityCode) -> bool {
    (1695..=1700).contains(&code.number())
}

impl MunicipalityKind {
    /// All kinds, in the order the survey lists them.
    pub const ALL: [MunicipalityKind; 6] = [
        Self::DesignatedCity,
        Self::CoreCity,
        Self::SpecialWard,
        Self::City,
        Self::Town,
        Self::Village,
    ];

    /// The kind of the municipality with this code and name, or `None` when the name ends
    /// in none of 市, 区, 町, 村 (a ward of a designated city, or not a municipality at all).
    pub fn classify(code: AuthorityCode, name: &str) -> Option<Self> {
        let code_text = code.to_string();
        if DESIGNATED_CITIES.iter().any(|(c, _)| *c == code_text) {
            return Some(Self::DesignatedCity);
        }
        if (13101..=13123).contains(&code.number()) {
            return Some(Self::SpecialWard);
        }
        let prefecture = code.prefecture().number();
        if CORE_CITIES
            .iter()
            .any(|(p, n)| *p == prefecture && *n == name)
        {
            return Some(Self::CoreCity);
        }
        match name.chars().last()? {
            '市' => Some(Self::City),
            '町' => Some(Self::Town),
            '村' => Some(Self::Village),
            _ => None,
        }
    }

    /// The stored and GraphQL name, e.g. `DESIGNATED_CITY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DesignatedCity => "DESIGNATED_CITY",
            Self::CoreCity => "CORE_CITY",
            Self::SpecialWard => "SPECIAL_WARD",
            Self::City => "CITY",
            Self::Town => "TOWN",
            Self::Village => "VILLAGE",
        }
    }

    /// Reads a stored name back.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A stored or requested kind that is none of [`MunicipalityKind`]'s names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a kind of municipality: DESIGNATED_CITY, CORE_CITY, SPECIAL_WARD, CITY, TOWN or VILLAGE")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for MunicipalityKind {
    type Err = UnknownKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| UnknownKind(text.to_owned()))
    }
}

impl fmt::Display for MunicipalityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> AuthorityCode {
        AuthorityCode::parse(text).unwrap()
    }

    #[test]
    fn kinds_of_known_municipalities() {
        assert_eq!(
            MunicipalityKind::classify(code("13104"), "新宿区"),
            Some(MunicipalityKind::SpecialWard)
        );
        assert_eq!(
            MunicipalityKind::classify(code("14100"), "横浜市"),
            Some(MunicipalityKind::DesignatedCity)
        );
        assert_eq!(
            MunicipalityKind::classify(code("17201"), "金沢市"),
            Some(MunicipalityKind::CoreCity)
        );
        assert_eq!(
            MunicipalityKind::classify(code("13201"), "八王子市"),
            Some(MunicipalityKind::CoreCity)
        );
        assert_eq!(
            MunicipalityKind::classify(code("13202"), "立川市"),
            Some(MunicipalityKind::City)
        );
        assert_eq!(
            MunicipalityKind::classify(code("01433"), "妹背牛町"),
            Some(MunicipalityKind::Town)
        );
        assert_eq!(MunicipalityKind::classify(code("14101"), "鶴見区"), None);
    }

    #[test]
    fn northern_territories() {
        assert!(is_not_administered(code("01695")));
        assert!(is_not_administered(code("01700")));
        assert!(!is_not_administered(code("01694")));
    }
}
