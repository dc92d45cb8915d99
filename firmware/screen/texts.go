package screen

import "github.com/regterm/regterm/firmware/enroll"

// bi is a short Thai line and its English line.
type bi struct{ th, en string }

// screenTexts are the title and the instruction of each screen.
var screenTexts = map[enroll.ScreenID]struct{ title, body bi }{
	enroll.ScreenLogin: {
		bi{"เข้าสู่ระบบเจ้าหน้าที่", "Officer sign-in"},
		bi{"เสียบบัตรหรือวางนิ้ว แล้วใส่ PIN", "Insert card or place finger, then PIN"},
	},
	enroll.ScreenReady: {
		bi{"เสียบบัตรประชาชน", "Insert the ID card"},
		bi{"หันชิปขึ้น เสียบให้สุด", "Chip facing up, push fully in"},
	},
	enroll.ScreenReadingCard: {
		bi{"กำลังอ่านบัตร", "Reading card"},
		bi{"อย่าดึงบัตรออก", "Do not remove the card"},
	},
	enroll.ScreenConsent: {
		bi{"ประกาศความเป็นส่วนตัว", "Privacy notice"},
		bi{"ผู้รับบริการยินยอมหรือไม่", "Does the citizen agree?"},
	},
	enroll.ScreenPlaceFinger: {
		bi{"กรุณาวางนิ้ว", "Place your finger"},
		bi{"วางนิ้วให้แนบสนิท ค้างไว้", "Press flat and hold still"},
	},
	enroll.ScreenMatching: {
		bi{"กำลังตรวจสอบลายนิ้วมือ", "Matching fingerprint"},
		bi{"กรุณารอสักครู่", "Please wait"},
	},
	enroll.ScreenSigning: {
		bi{"กำลังบันทึกข้อมูล", "Saving the record"},
		bi{"กรุณารอสักครู่", "Please wait"},
	},
	enroll.ScreenQR: {
		bi{"สแกนด้วยแอปบนมือถือ", "Scan with the phone app"},
		bi{"", ""},
	},
	enroll.ScreenDone: {
		bi{"ลงทะเบียนสำเร็จ", "Registration complete"},
		bi{"กรุณาดึงบัตรออก", "Please remove the card"},
	},
	enroll.ScreenError: {
		bi{"เกิดข้อผิดพลาด", "Something went wrong"},
		bi{"", ""},
	},
	enroll.ScreenOutboxFull: {
		bi{"หยุดรับลงทะเบียนชั่วคราว", "Enrollment stopped"},
		bi{"", ""},
	},
	enroll.ScreenRemoveCard: {
		bi{"กรุณาดึงบัตรออก", "Please remove the card"},
		bi{"เพื่อดำเนินการต่อ", "to continue"},
	},
}

// errorText is what an error code means and what to do about it.
type errorText struct{ what, action bi }

// errorTexts has a line for every code of package enroll.
var errorTexts = map[string]errorText{
	enroll.CodeCardRead:      {bi{"อ่านบัตรไม่ได้", "Card could not be read"}, bi{"เสียบบัตรใหม่อีกครั้ง", "Re-insert the card"}},
	enroll.CodeCardInvalid:   {bi{"ข้อมูลบัตรไม่ถูกต้อง", "Card data is invalid"}, bi{"ส่งตรวจที่สำนักทะเบียน", "Refer to the registry office"}},
	enroll.CodeCardExpired:   {bi{"บัตรหมดอายุ", "The card has expired"}, bi{"ต่ออายุบัตรก่อน", "Renew the card first"}},
	enroll.CodeCardRemoved:   {bi{"บัตรถูกดึงออกก่อนเสร็จ", "Card removed too early"}, bi{"เริ่มใหม่อีกครั้ง", "Start again"}},
	enroll.CodeNoReference:   {bi{"ไม่พบข้อมูลลายนิ้วมืออ้างอิง", "No trusted fingerprint reference"}, bi{"แจ้งหัวหน้าเจ้าหน้าที่", "Ask a supervisor"}},
	enroll.CodeSensor:        {bi{"เครื่องสแกนนิ้วขัดข้อง", "Fingerprint sensor failed"}, bi{"ตรวจสายแล้วเริ่มใหม่", "Check the cable, start again"}},
	enroll.CodeCaptureFailed: {bi{"ภาพลายนิ้วมือไม่ชัด", "Fingerprint quality too low"}, bi{"เช็ดนิ้วแล้วลองใหม่", "Clean the finger, try again"}},
	enroll.CodeNoMatch:       {bi{"ลายนิ้วมือไม่ตรงกัน", "Fingerprint does not match"}, bi{"ลองนิ้วอื่น หรือขออนุมัติ", "Try another finger or ask"}},
	enroll.CodeSign:          {bi{"กุญแจฮาร์ดแวร์ขัดข้อง", "Hardware key failed"}, bi{"แจ้งฝ่ายสนับสนุน", "Call support"}},
	enroll.CodeQueue:         {bi{"บันทึกข้อมูลไม่สำเร็จ", "Record could not be saved"}, bi{"ลองใหม่ ถ้าไม่ได้แจ้งฝ่ายสนับสนุน", "Retry, then call support"}},
	enroll.CodeOutboxFull:    {bi{"คิวข้อมูลเต็ม ข้อมูลเดิมยังอยู่ครบ", "Queue full, no record lost"}, bi{"ต่อเครือข่าย แล้วแจ้งฝ่ายสนับสนุน", "Restore the uplink, call support"}},
	enroll.CodeTimeout:       {bi{"หมดเวลา", "Timed out"}, bi{"เริ่มใหม่อีกครั้ง", "Start again"}},
	enroll.CodeCancelled:     {bi{"เจ้าหน้าที่ยกเลิกรายการ", "Cancelled by the officer"}, bi{"เริ่มใหม่อีกครั้ง", "Start again"}},
	enroll.CodeRefused:       {bi{"ผู้รับบริการไม่ยินยอม", "The citizen did not agree"}, bi{"ไม่มีการเก็บข้อมูลใด ๆ", "Nothing was recorded"}},
	enroll.CodeQRExpired:     {bi{"คิวอาร์โค้ดหมดอายุ", "The QR code expired"}, bi{"เริ่มใหม่เพื่อรับรหัสใหม่", "Start again for a new code"}},
}

// unknownError is shown for a code this table does not know.
var unknownError = errorText{bi{"ข้อผิดพลาดของระบบ", "System error"}, bi{"แจ้งฝ่ายสนับสนุน", "Call support"}}

// Fixed labels.
var (
	txtAttempt  = bi{"ครั้งที่ %d จาก %d", "Attempt %d of %d"}
	txtQuality  = bi{"คุณภาพ %d", "Quality %d"}
	txtNotice   = bi{"ฉบับ %s", "Version %s"}
	txtConfirm  = bi{"ยินยอม", "Agree"}
	txtRefuse   = bi{"ไม่ยินยอม", "Refuse"}
	txtLeft     = bi{"เหลือเวลา", "time left"}
	txtSeconds  = bi{"วินาที", "seconds"}
	txtSupport  = bi{"แจ้งรหัสนี้กับฝ่ายสนับสนุน", "Quote this code to support"}
	txtPoor     = bi{"กดนิ้วให้แนบกว่านี้", "Press the finger flatter"}
	txtFair     = bi{"วางนิ้วให้อยู่กลาง", "Centre the finger"}
	txtGood     = bi{"ดีมาก ค้างไว้", "Good, hold still"}
	txtOnline   = "online"
	txtOffline  = "offline"
	txtQueue    = "queue %d"
	txtNoOffice = "no officer"
)
