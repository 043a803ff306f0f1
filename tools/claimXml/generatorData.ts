// Value lists for generated claim records (generate.ts): Vietnamese names, places, ICD-10
// diagnoses, drugs, services and lab items. Invented but shaped like real exports; codes
// follow the formats of standards/XML130.md (they are not a copy of any national catalogue).

export const FAMILY_NAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'] as const;
export const MALE_MIDDLE = ['Văn', 'Hữu', 'Đức', 'Minh', 'Quốc', 'Thanh', 'Công', 'Gia'] as const;
export const FEMALE_MIDDLE = ['Thị', 'Ngọc', 'Thanh', 'Minh', 'Thu', 'Bảo', 'Kim', 'Mỹ'] as const;
export const MALE_GIVEN = ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Thắng', 'Tuấn', 'Việt'] as const;
export const FEMALE_GIVEN = ['Anh', 'Chi', 'Dung', 'Hà', 'Hạnh', 'Hương', 'Lan', 'Linh', 'Mai', 'Ngân', 'Nhung', 'Phương', 'Thảo', 'Trang', 'Vy', 'Yến'] as const;

/** Province code (2 digits, as MATINH_CU_TRU) with a ward code and a place name in it. */
export const PLACES = [
  { province: '79', ward: '26734', text: 'Phường Sài Gòn, Thành phố Hồ Chí Minh' },
  { province: '01', ward: '00070', text: 'Phường Hoàn Kiếm, Thành phố Hà Nội' },
  { province: '92', ward: '31117', text: 'Phường Ninh Kiều, Thành phố Cần Thơ' },
  { province: '48', ward: '20194', text: 'Phường Hải Châu, Thành phố Đà Nẵng' },
  { province: '94', ward: '31510', text: 'Xã Long Phú, Thành phố Cần Thơ' },
  { province: '86', ward: '29590', text: 'Phường Long Châu, Tỉnh Vĩnh Long' },
] as const;
export const STREETS = ['Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Huệ', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Phan Đình Phùng', '30 Tháng 4', 'Cách Mạng Tháng 8'] as const;

/** Beneficiary groups of the 15-character BHYT card (XML130.md §11). */
export const CARD_GROUPS = ['DN', 'HC', 'HT', 'TE', 'HS', 'GD', 'CN', 'HN', 'XD', 'CK'] as const;

export const DIAGNOSES = [
  ['J02.9', 'Viêm họng cấp'],
  ['J06.9', 'Nhiễm trùng hô hấp trên cấp'],
  ['J18.9', 'Viêm phổi'],
  ['K29.7', 'Viêm dạ dày'],
  ['K21.0', 'Bệnh trào ngược dạ dày - thực quản có viêm thực quản'],
  ['K59.0', 'Táo bón'],
  ['I10', 'Bệnh lý tăng huyết áp'],
  ['I25.1', 'Bệnh tim xơ vữa'],
  ['E11.9', 'Đái tháo đường không phụ thuộc insulin'],
  ['E78.5', 'Tăng lipid máu'],
  ['M54.5', 'Đau vùng thắt lưng'],
  ['N39.0', 'Nhiễm khuẩn hệ tiết niệu'],
  ['A09', 'Tiêu chảy và viêm dạ dày ruột'],
  ['R10.4', 'Đau bụng khác'],
  ['G40.9', 'Động kinh không đặc hiệu'],
] as const;

/** MA_THUOC, TEN_THUOC, HAM_LUONG, DON_VI_TINH, DUONG_DUNG, unit price VND. */
export const DRUGS = [
  ['40.104', 'Paracetamol', '500mg', 'Viên', '1.01', 350],
  ['40.152', 'Amoxicilin', '500mg', 'Viên', '1.01', 1200],
  ['40.677', 'Omeprazol', '20mg', 'Viên', '1.01', 900],
  ['40.498', 'Metformin', '850mg', 'Viên', '1.01', 600],
  ['40.481', 'Amlodipin', '5mg', 'Viên', '1.01', 450],
  ['40.509', 'Losartan', '50mg', 'Viên', '1.01', 1800],
  ['40.186', 'Cefuroxim', '500mg', 'Viên', '1.01', 6500],
  ['40.1007', 'Natri clorid 0,9%', '500ml', 'Chai', '2.15', 9800],
  ['40.1041', 'Vitamin C', '500mg', 'Viên', '1.01', 300],
  ['40.693', 'Domperidon', '10mg', 'Viên', '1.01', 400],
  ['40.985', 'Salbutamol', '2mg', 'Viên', '1.01', 250],
  ['40.282', 'Loratadin', '10mg', 'Viên', '1.01', 500],
] as const;

/** MA_DICH_VU, TEN_DICH_VU, MA_NHOM, hospital price, insurance price, result kind. */
export const SERVICES = [
  ['02.1896', 'Khám Nội', '13', 50000, 39800, 'none'],
  ['22.0121.1369', 'Tổng phân tích tế bào máu ngoại vi', '1', 90000, 45600, 'blood'],
  ['23.0058.1487', 'Điện giải đồ (Na, K, Cl)', '1', 60000, 30400, 'electrolytes'],
  ['23.0075.1494', 'Định lượng Glucose', '1', 40000, 21500, 'glucose'],
  ['18.0015.0001', 'Siêu âm ổ bụng', '2', 150000, 58600, 'ultrasound'],
  ['18.0119.0028', 'Chụp X-quang ngực thẳng', '2', 120000, 65400, 'xray'],
  ['02.0085.1778', 'Điện tim thường', '3', 50000, 32800, 'none'],
] as const;

/** Lab items by result kind: MA_CHI_SO, TEN_CHI_SO, unit, low, high, decimals. */
export const LAB_ITEMS: Readonly<Record<string, ReadonlyArray<readonly [string, string, string, number, number, number]>>> = {
  blood: [
    ['H01', 'WBC', 'G/L', 4, 12, 1],
    ['H02', 'RBC', 'T/L', 3.8, 5.6, 2],
    ['H03', 'HGB', 'g/L', 110, 165, 0],
    ['H17', 'PLT', 'G/L', 150, 400, 0],
  ],
  electrolytes: [
    ['119Na', 'Na (Máu)', 'mmol/L', 128, 148, 1],
    ['120K', 'K (Máu)', 'mmol/L', 3.1, 5.2, 1],
    ['121Cl', 'Cl (Máu)', 'mmol/L', 95, 110, 1],
  ],
  glucose: [['S01', 'Glucose', 'mmol/L', 3.9, 11, 1]],
};

export const IMAGING_REPORTS: Readonly<Record<string, readonly [findings: string, conclusion: string]>> = {
  ultrasound: ['GAN: Không to, nhu mô đồng nhất.\nĐƯỜNG MẬT: Không dãn.\nTHẬN: Không sỏi, không ứ nước.', 'Chưa ghi nhận bất thường trên siêu âm'],
  xray: ['Hai phế trường sáng đều. Bóng tim không to. Góc sườn hoành hai bên nhọn.', 'Phim phổi bình thường'],
};

export const DEPARTMENTS = ['K01', 'K02', 'K03', 'K19', 'K26', 'K27'] as const;
