"""Country reference table: ISO-3 / CAMEO codes, FIPS 10-4 codes, names, adjectives, capitals.

GDELT's geography fields (``ActionGeo_CountryCode`` …) use FIPS 10-4 codes, ICEWS names
countries in words, and the text coder needs names, adjectives and capitals; all three read
this one table. CAMEO country codes equal ISO 3166-1 alpha-3 except where CAMEO defines its own
(Kosovo ``KSV``). The table is a literal in this module, so nothing is read from files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# ISO3 | FIPS codes (space-separated) | names ; aliases | adjectives | capitals (unambiguous only)
_TABLE = """\
AFG|AF|Afghanistan|Afghan|Kabul
ALB|AL|Albania|Albanian|Tirana
DZA|AG|Algeria|Algerian|Algiers
AND|AN|Andorra|Andorran|
AGO|AO|Angola|Angolan|Luanda
ATG|AC|Antigua and Barbuda|Antiguan|
ARG|AR|Argentina|Argentine;Argentinian|Buenos Aires
ARM|AM|Armenia|Armenian|Yerevan
AUS|AS|Australia|Australian|Canberra
AUT|AU|Austria|Austrian|Vienna
AZE|AJ|Azerbaijan|Azerbaijani;Azeri|Baku
BHS|BF|Bahamas;The Bahamas|Bahamian|
BHR|BA|Bahrain|Bahraini|Manama
BGD|BG|Bangladesh|Bangladeshi|Dhaka
BRB|BB|Barbados|Barbadian|
BLR|BO|Belarus|Belarusian;Belarussian|Minsk
BEL|BE|Belgium|Belgian|Brussels
BLZ|BH|Belize|Belizean|
BEN|BN|Benin|Beninese|Porto-Novo;Cotonou
BMU|BD|Bermuda|Bermudian|
BTN|BT|Bhutan|Bhutanese|Thimphu
BOL|BL|Bolivia;Bolivia, Plurinational State of|Bolivian|La Paz
BIH|BK|Bosnia and Herzegovina;Bosnia-Herzegovina;Bosnia|Bosnian|Sarajevo
BWA|BC|Botswana|Botswanan|Gaborone
BRA|BR|Brazil|Brazilian|Brasilia
BRN|BX|Brunei;Brunei Darussalam|Bruneian|Bandar Seri Begawan
BGR|BU|Bulgaria|Bulgarian|Sofia
BFA|UV|Burkina Faso|Burkinabe|Ouagadougou
BDI|BY|Burundi|Burundian|Bujumbura
KHM|CB|Cambodia|Cambodian|Phnom Penh
CMR|CM|Cameroon|Cameroonian|Yaounde
CAN|CA|Canada|Canadian|Ottawa
CPV|CV|Cape Verde;Cabo Verde|Cape Verdean|Praia
CAF|CT|Central African Republic|Central African|Bangui
TCD|CD|Chad|Chadian|N'Djamena
CHL|CI|Chile|Chilean|
CHN|CH|China;People's Republic of China;PRC;Mainland China|Chinese;Sino|Beijing
COL|CO|Colombia|Colombian|Bogota
COM|CN|Comoros|Comoran|Moroni
COG|CF|Republic of the Congo;Congo-Brazzaville;Congo|Congolese|Brazzaville
COD|CG|Democratic Republic of the Congo;Democratic Republic of Congo;DR Congo;DRC;Congo-Kinshasa;Congo, The Democratic Republic of the;Zaire||Kinshasa
CRI|CS|Costa Rica|Costa Rican|
CIV|IV|Ivory Coast;Cote d'Ivoire;Côte d'Ivoire|Ivorian|Abidjan;Yamoussoukro
HRV|HR|Croatia|Croatian|Zagreb
CUB|CU|Cuba|Cuban|Havana
CYP|CY|Cyprus|Cypriot|Nicosia
CZE|EZ|Czech Republic;Czechia|Czech|Prague
DNK|DA|Denmark|Danish|Copenhagen
DJI|DJ|Djibouti|Djiboutian|
DMA|DO|Dominica|Dominican|Roseau
DOM|DR|Dominican Republic||Santo Domingo
ECU|EC|Ecuador|Ecuadorian;Ecuadoran|Quito
EGY|EG|Egypt|Egyptian|Cairo
SLV|ES|El Salvador|Salvadoran|San Salvador
GNQ|EK|Equatorial Guinea|Equatoguinean|Malabo
ERI|ER|Eritrea|Eritrean|Asmara
EST|EN|Estonia|Estonian|Tallinn
ETH|ET|Ethiopia|Ethiopian|Addis Ababa
FJI|FJ|Fiji|Fijian|Suva
FIN|FI|Finland|Finnish|Helsinki
FRA|FR|France|French|Paris;Elysee
GAB|GB|Gabon|Gabonese|Libreville
GMB|GA|Gambia;The Gambia|Gambian|Banjul
GEO|GG|Georgia|Georgian|Tbilisi
DEU|GM|Germany|German|Berlin
GHA|GH|Ghana|Ghanaian|Accra
GRC|GR|Greece|Greek|Athens
GRL|GL|Greenland|Greenlandic|Nuuk
GRD|GJ|Grenada|Grenadian|
GTM|GT|Guatemala|Guatemalan|Guatemala City
GIN|GV|Guinea|Guinean|Conakry
GNB|PU|Guinea-Bissau|Bissau-Guinean|Bissau
GUY|GY|Guyana|Guyanese|
HTI|HA|Haiti|Haitian|Port-au-Prince
HND|HO|Honduras|Honduran|Tegucigalpa
HKG|HK|Hong Kong|Hongkong|
HUN|HU|Hungary|Hungarian|Budapest
ISL|IC|Iceland|Icelandic|Reykjavik
IND|IN|India|Indian|New Delhi
IDN|ID|Indonesia|Indonesian|Jakarta
IRN|IR|Iran;Iran, Islamic Republic of;Islamic Republic of Iran|Iranian|Tehran
IRQ|IZ|Iraq|Iraqi|Baghdad
IRL|EI|Ireland|Irish|Dublin
ISR|IS|Israel|Israeli|Jerusalem;Tel Aviv
ITA|IT|Italy|Italian|Rome
JAM|JM|Jamaica|Jamaican|
JPN|JA|Japan|Japanese|Tokyo
JOR|JO|Jordan|Jordanian|Amman
KAZ|KZ|Kazakhstan|Kazakh;Kazakhstani|Astana
KEN|KE|Kenya|Kenyan|Nairobi
KIR|KR|Kiribati||Tarawa
PRK|KN|North Korea;Democratic People's Republic of Korea;DPRK;Korea, Democratic People's Republic of|North Korean|Pyongyang
KOR|KS|South Korea;Republic of Korea;ROK;Korea, Republic of|South Korean|Seoul
KSV|KV|Kosovo|Kosovar|Pristina
KWT|KU|Kuwait|Kuwaiti|Kuwait City
KGZ|KG|Kyrgyzstan;Kyrgyz Republic|Kyrgyz|Bishkek
LAO|LA|Laos;Lao People's Democratic Republic|Laotian|Vientiane
LVA|LG|Latvia|Latvian|Riga
LBN|LE|Lebanon|Lebanese|Beirut
LSO|LT|Lesotho|Basotho|Maseru
LBR|LI|Liberia|Liberian|Monrovia
LBY|LY|Libya;Libyan Arab Jamahiriya|Libyan|Tripoli
LIE|LS|Liechtenstein|Liechtensteiner|Vaduz
LTU|LH|Lithuania|Lithuanian|Vilnius
LUX|LU|Luxembourg|Luxembourgish|
MAC|MC|Macau;Macao|Macanese|
MKD|MK|North Macedonia;Macedonia;the former Yugoslav Republic of Macedonia;Macedonia, the former Yugoslav Republic of|Macedonian|Skopje
MDG|MA|Madagascar|Malagasy|Antananarivo
MWI|MI|Malawi|Malawian|Lilongwe
MYS|MY|Malaysia|Malaysian|Kuala Lumpur
MDV|MV|Maldives|Maldivian|
MLI|ML|Mali|Malian|Bamako
MLT|MT|Malta|Maltese|Valletta
MHL|RM|Marshall Islands|Marshallese|Majuro
MRT|MR|Mauritania|Mauritanian|Nouakchott
MUS|MP|Mauritius|Mauritian|Port Louis
MEX|MX|Mexico|Mexican|Mexico City
FSM|FM|Micronesia;Micronesia, Federated States of|Micronesian|
MDA|MD|Moldova;Moldova, Republic of|Moldovan|Chisinau
MCO|MN|Monaco|Monegasque|
MNG|MG|Mongolia|Mongolian|Ulaanbaatar;Ulan Bator
MNE|MJ|Montenegro|Montenegrin|Podgorica
MAR|MO|Morocco|Moroccan|Rabat
MOZ|MZ|Mozambique|Mozambican|Maputo
MMR|BM|Myanmar;Burma|Burmese|Naypyidaw;Rangoon;Yangon
NAM|WA|Namibia|Namibian|Windhoek
NRU|NR|Nauru|Nauruan|
NPL|NP|Nepal|Nepalese;Nepali|Kathmandu
NLD|NL|Netherlands;Holland;The Netherlands|Dutch|Amsterdam;The Hague
NZL|NZ|New Zealand|New Zealander|Wellington
NIC|NU|Nicaragua|Nicaraguan|Managua
NER|NG|Niger|Nigerien|Niamey
NGA|NI|Nigeria|Nigerian|Abuja;Lagos
NOR|NO|Norway|Norwegian|Oslo
OMN|MU|Oman|Omani|Muscat
PAK|PK|Pakistan|Pakistani|Islamabad
PLW|PS|Palau|Palauan|
PSE|WE GZ|Palestine;Occupied Palestinian Territory;Palestinian Territories;Palestinian Territory;West Bank;Gaza;Gaza Strip|Palestinian|Ramallah
PAN|PM|Panama|Panamanian|Panama City
PNG|PP|Papua New Guinea|Papua New Guinean|Port Moresby
PRY|PA|Paraguay|Paraguayan|Asuncion
PER|PE|Peru|Peruvian|
PHL|RP|Philippines;The Philippines|Philippine;Filipino|Manila
POL|PL|Poland|Polish|Warsaw
PRT|PO|Portugal|Portuguese|Lisbon
PRI|RQ|Puerto Rico|Puerto Rican|San Juan
QAT|QA|Qatar|Qatari|Doha
ROU|RO|Romania|Romanian|Bucharest
RUS|RS|Russia;Russian Federation|Russian|Moscow;Kremlin
RWA|RW|Rwanda|Rwandan|Kigali
KNA|SC|Saint Kitts and Nevis||Basseterre
LCA|ST|Saint Lucia|Saint Lucian|Castries
VCT|VC|Saint Vincent and the Grenadines||Kingstown
WSM|WS|Samoa|Samoan|Apia
SMR|SM|San Marino|Sammarinese|
STP|TP|Sao Tome and Principe||
SAU|SA|Saudi Arabia|Saudi|Riyadh
SEN|SG|Senegal|Senegalese|Dakar
SRB|RI YI|Serbia;Serbia and Montenegro|Serbian;Serb|Belgrade
SYC|SE|Seychelles|Seychellois|
SLE|SL|Sierra Leone|Sierra Leonean|Freetown
SGP|SN|Singapore|Singaporean|
SVK|LO|Slovakia|Slovak|Bratislava
SVN|SI|Slovenia|Slovenian;Slovene|Ljubljana
SLB|BP|Solomon Islands||Honiara
SOM|SO|Somalia|Somali|Mogadishu
ZAF|SF|South Africa|South African|Pretoria
SSD|OD|South Sudan|South Sudanese|Juba
ESP|SP|Spain|Spanish|Madrid
LKA|CE|Sri Lanka|Sri Lankan|Colombo
SDN|SU|Sudan|Sudanese|Khartoum
SUR|NS|Suriname|Surinamese|Paramaribo
SWZ|WZ|Eswatini;Swaziland|Swazi|Mbabane
SWE|SW|Sweden|Swedish|Stockholm
CHE|SZ|Switzerland|Swiss|Bern
SYR|SY|Syria;Syrian Arab Republic|Syrian|Damascus
TWN|TW|Taiwan;Republic of China|Taiwanese|Taipei
TJK|TI|Tajikistan|Tajik|Dushanbe
TZA|TZ|Tanzania;Tanzania, United Republic of|Tanzanian|Dodoma;Dar es Salaam
THA|TH|Thailand|Thai|Bangkok
TLS|TT|Timor-Leste;East Timor|Timorese|Dili
TGO|TO|Togo|Togolese|Lome
TON|TN|Tonga|Tongan|Nuku'alofa
TTO|TD|Trinidad and Tobago|Trinidadian|Port of Spain
TUN|TS|Tunisia|Tunisian|Tunis
TUR|TU|Turkey;Turkiye;Türkiye|Turkish|Ankara
TKM|TX|Turkmenistan|Turkmen|Ashgabat
TUV|TV|Tuvalu|Tuvaluan|Funafuti
UGA|UG|Uganda|Ugandan|Kampala
UKR|UP|Ukraine|Ukrainian|Kyiv;Kiev
ARE|AE TC|United Arab Emirates;UAE|Emirati|Abu Dhabi
GBR|UK|United Kingdom;Britain;Great Britain;UK;U.K.|British|London
USA|US|United States;United States of America;USA;U.S.;U.S.A.;US;America|American|Washington
URY|UY|Uruguay|Uruguayan|Montevideo
UZB|UZ|Uzbekistan|Uzbek|Tashkent
VUT|NH|Vanuatu|Ni-Vanuatu|Port Vila
VAT|VT|Vatican;Holy See;Vatican City|Vatican|
VEN|VE|Venezuela;Venezuela, Bolivarian Republic of|Venezuelan|Caracas
VNM|VM|Vietnam;Viet Nam|Vietnamese|Hanoi
ESH|WI|Western Sahara|Sahrawi|
YEM|YM|Yemen|Yemeni|Sanaa
ZMB|ZA|Zambia|Zambian|Lusaka
ZWE|ZI|Zimbabwe|Zimbabwean|Harare
"""  # noqa: E501


@dataclass(frozen=True)
class Country:
    """One country: its ISO-3 (CAMEO) code, FIPS 10-4 codes, names, adjectives and capitals."""

    iso3: str
    fips: tuple[str, ...]
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    capitals: tuple[str, ...]


def _split(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split(";") if part.strip())


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    """All countries of the reference table, in table order."""
    rows = []
    for line in _TABLE.splitlines():
        iso3, fips, names, adjectives, capitals = line.split("|")
        rows.append(
            Country(iso3, tuple(fips.split()), _split(names), _split(adjectives), _split(capitals))
        )
    return tuple(rows)


@lru_cache(maxsize=1)
def fips_to_iso3() -> dict[str, str]:
    """FIPS 10-4 country code (GDELT geography fields) → ISO-3 code."""
    return {code: c.iso3 for c in countries() for code in c.fips}


@lru_cache(maxsize=1)
def name_to_iso3() -> dict[str, str]:
    """Lower-cased country name or alias (as ICEWS writes them) → ISO-3 code."""
    return {name.lower(): c.iso3 for c in countries() for name in c.names}
