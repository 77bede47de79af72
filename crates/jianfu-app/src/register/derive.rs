use jianfu_core::id_number::IdNumber;

/// Facts an 18-digit ID number implies. They are stored with source 派生
/// and can never be typed over.
pub fn derived_person_facts(id: &IdNumber) -> [(&'static str, String); 3] {
    [
        (
            "person.birth_date",
            id.birth_date().format("%Y-%m-%d").to_string(),
        ),
        ("person.sex", id.sex().code().to_string()),
        ("person.registration_area", id.area_code().to_string()),
    ]
}

/// Elements whose value is derived and must not be written by a person.
pub const DERIVED_ELEMENTS: [&str; 5] = [
    "person.birth_date",
    "person.sex",
    "person.registration_area",
    "person.age",
    "household.size",
];
