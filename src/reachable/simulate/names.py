"""Name pools with realistic skew, nicknames and spelling variants (the raw material of identity noise)."""

from __future__ import annotations

# Pools are ordered roughly by frequency; sampling uses a Zipf-like weight so common names collide,
# as they do in real data (many "Mohammed Ali"s and "Jack Smith"s).
# fmt: off
MALE: dict[str, tuple[str, ...]] = {
    'white': ('Oliver', 'Jack', 'Harry', 'George', 'Charlie', 'Jacob', 'Thomas', 'Oscar', 'William', 'James',
        'Joshua', 'Alfie', 'Leo', 'Henry', 'Archie', 'Ethan', 'Joseph', 'Freddie', 'Samuel', 'Alexander',
        'Logan', 'Daniel', 'Max', 'Lucas', 'Mason', 'Riley', 'Dylan', 'Tyler', 'Jayden', 'Kai', 'Callum',
        'Connor', 'Liam', 'Ryan', 'Lewis', 'Reece', 'Kieran', 'Bradley', 'Jake', 'Luke', 'Nathan', 'Owen',
        'Rhys', 'Cameron', 'Aaron', 'Ben', 'Matthew', 'Michael', 'Christopher', 'Jordan', 'Kacper', 'Jakub',
        'Filip'),
    'asian': ('Mohammed', 'Muhammad', 'Ibrahim', 'Yusuf', 'Ali', 'Omar', 'Hamza', 'Zain', 'Ayaan', 'Aryan',
        'Arjun', 'Harjot', 'Rayyan', 'Imran', 'Bilal', 'Adam', 'Zakariya', 'Ismail'),
    'black': ('Jayden', 'Tyrese', 'Kwame', 'Elijah', 'Joshua', 'Daniel', 'Samuel', 'Emmanuel', 'David',
        'Malachi', 'Kofi', 'Isaiah', 'Jermaine', 'Reuben', 'Tobi', 'Abdi', 'Mustafa', 'Kyrie'),
}
FEMALE: dict[str, tuple[str, ...]] = {
    'white': ('Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Isabella', 'Sophia', 'Grace', 'Freya',
        'Emily', 'Poppy', 'Ella', 'Evie', 'Charlotte', 'Sophie', 'Chloe', 'Jessica', 'Ruby', 'Megan', 'Holly',
        'Lauren', 'Jade', 'Courtney', 'Leah', 'Keira', 'Paige', 'Abbie', 'Katie', 'Shannon', 'Bethany', 'Niamh',
        'Caitlin', 'Amber', 'Zoe', 'Zuzanna', 'Maja'),
    'asian': ('Aisha', 'Fatima', 'Maryam', 'Zara', 'Amira', 'Hafsa', 'Inaya', 'Aaliyah', 'Safiya', 'Simran',
        'Priya', 'Anaya', 'Khadija', 'Noor', 'Sana', 'Amna'),
    'black': ('Amara', 'Precious', 'Blessing', 'Abigail', 'Esther', 'Zainab', 'Chantelle', 'Nia', 'Kemi',
        'Adaeze', 'Ruth', 'Deborah', 'Tiana', 'Shanice', 'Hodan', 'Ayan'),
}
SURNAMES: dict[str, tuple[str, ...]] = {
    'white': ('Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
        'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
        'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward',
        'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen', 'James', 'Scott',
        'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths', 'Mitchell', 'Kelly',
        'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy', 'Miller', 'Cox',
        'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh', 'Begum', 'Wilkinson',
        'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali', 'Hunt', 'Hussain', 'Campbell',
        'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight', 'Lloyd', 'Butler', 'Russell',
        'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon', 'Harvey', 'Kowalski', 'Nowak',
        'Wisniewski', "O'Brien", "O'Connor", 'McDonald'),
    'asian': ('Khan', 'Ali', 'Hussain', 'Ahmed', 'Begum', 'Akhtar', 'Mahmood', 'Iqbal', 'Rahman', 'Shah',
        'Patel', 'Singh', 'Kaur', 'Sharma', 'Bibi', 'Mirza', 'Malik', 'Chowdhury', 'Miah', 'Islam', 'Uddin',
        'Aziz', 'Rashid', 'Qureshi', 'Javed', 'Sandhu', 'Gill', 'Bains'),
    'black': ('Williams', 'Johnson', 'Brown', 'Campbell', 'Thomas', 'Francis', 'Richards', 'Grant', 'Mensah',
        'Okafor', 'Adeyemi', 'Boateng', 'Osei', 'Owusu', 'Okoro', 'Adebayo', 'Mohamed', 'Hassan', 'Abdi',
        'Omar', 'Ahmed', 'Clarke', 'Edwards', 'Lewis', 'Daley', 'Morgan'),
}

# Short forms people actually give or are recorded under (police and youth services see most of these).
NICKNAMES: dict[str, tuple[str, ...]] = {
    'Oliver': ('Ollie', 'Olly'), 'Harry': ('Haz',), 'Charlie': ('Charles',), 'Thomas': ('Tom', 'Tommy'),
    'William': ('Will', 'Billy', 'Liam'), 'James': ('Jim', 'Jamie', 'Jimmy'), 'Joshua': ('Josh',), 'Alfie':
    ('Alf', 'Alfred'), 'Henry': ('Harry',), 'Joseph': ('Joe', 'Joey'), 'Freddie': ('Fred', 'Frederick'),
    'Samuel': ('Sam', 'Sammy'), 'Alexander': ('Alex', 'Xander'), 'Daniel': ('Dan', 'Danny'), 'Lucas': ('Luke',),
    'Callum': ('Cal',), 'Bradley': ('Brad',), 'Jake': ('Jacob',), 'Nathan': ('Nate',), 'Cameron': ('Cam',),
    'Benjamin': ('Ben',), 'Ben': ('Benjamin', 'Benny'), 'Matthew': ('Matt', 'Matty'), 'Michael': ('Mike',
    'Mikey'), 'Christopher': ('Chris',), 'Jordan': ('Jordy',), 'Mohammed': ('Mo', 'Moe'), 'Muhammad': ('Mo',),
    'Ibrahim': ('Ibby',), 'Zakariya': ('Zak',), 'Ismail': ('Izzy',), 'Emmanuel': ('Manny',), 'David': ('Dave',
    'Davey'), 'Malachi': ('Kai',), 'Jermaine': ('Jay',), 'Jayden': ('Jay',), 'Tobi': ('Tobiloba',), 'Isabella':
    ('Bella', 'Izzy'), 'Sophia': ('Sophie',), 'Emily': ('Em', 'Emmy'), 'Charlotte': ('Lottie', 'Charlie'),
    'Jessica': ('Jess',), 'Megan': ('Meg',), 'Abbie': ('Abigail',), 'Abigail': ('Abbie', 'Abby'), 'Katie':
    ('Kate', 'Katherine'), 'Bethany': ('Beth',), 'Amelia': ('Millie',), 'Olivia': ('Liv', 'Livvy'), 'Elijah':
    ('Eli',), 'Kwame': ('Kwam',), 'Precious': ('Presh',), 'Deborah': ('Debbie',), 'Rebecca': ('Becky',),
    'Alexandra': ('Alex',),
}

# Transliteration and spelling variants of the same given name.
VARIANTS: dict[str, tuple[str, ...]] = {
    'Mohammed': ('Muhammad', 'Mohammad', 'Mohamed', 'Muhammed'), 'Muhammad': ('Mohammed', 'Muhammed'), 'Aisha':
    ('Ayesha', 'Aysha'), 'Zakariya': ('Zakaria', 'Zachariah'), 'Yusuf': ('Yousef', 'Yusef'), 'Jayden': ('Jaden',
    'Jaiden', 'Jaydon'), 'Tyrese': ('Tyreese', 'Tyrees'), 'Kacper': ('Casper',), 'Jakub': ('Jacob', 'Kuba'),
    'Filip': ('Philip',), 'Zuzanna': ('Susanna',), 'Maja': ('Maya',), 'Leah': ('Lea',), 'Chloe': ('Cloe',),
    'Keira': ('Kiera',), 'Caitlin': ('Katelyn', 'Kaitlyn'), 'Niamh': ('Neve',), 'Rhys': ('Reece',), 'Reece':
    ('Rhys', 'Reese'), 'Kieran': ('Kieron', 'Ciaran'), 'Zain': ('Zayn',), 'Ayaan': ('Ayan',), 'Hafsa':
    ('Hafsah',), 'Safiya': ('Safia', 'Sofia'), 'Sophie': ('Sophy',), 'Isla': ('Ayla',), 'Abdi': ('Abdy',),
    'Kofi': ('Coffie',),
}
# Surname spellings that differ between agencies.
SURNAME_VARIANTS: dict[str, tuple[str, ...]] = {
    'Hussain': ('Hussein', 'Husain'), 'Ahmed': ('Ahmad',), 'Mohamed': ('Mohammed',), 'Chowdhury':
    ('Choudhury',), 'Clarke': ('Clark',), 'Clark': ('Clarke',), 'Davies': ('Davis',), 'Thompson': ('Thomson',),
    'Rahman': ('Rehman',), "O'Brien": ('OBrien', 'O Brien'), "O'Connor": ('OConnor', 'O Connor'), 'McDonald':
    ('MacDonald', 'Mcdonald'), 'Osei': ('Osey',), 'Okafor': ('Okafur',), 'Mensah': ('Mensa',),
}
# fmt: on
